using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Server;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.ServiceDefaults.RateLimiting;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DeviceFlow;

/// <summary>
/// Brute-force proofing of user codes (RFC 8628 5.1): a code is looked up only for a signed-in user, and each lookup,
/// right or wrong, takes a permit per client IP and per user (user-codes-per-ip, user-codes-per-user) before OpenIddict
/// reads the database. Refused or anonymous, the code is not looked up at all: the verification page then signs the user
/// in, or shows the refusal it finds in <see cref="IRateLimitRefusalFeature"/>.
/// </summary>
public sealed class UserCodeAttempts(SignInLimits limits) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<UserCodeAttempts>()
            .SetOrder(OpenIddictServerHandlers.ValidateUserCode.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.EndUserVerification || string.IsNullOrEmpty(context.UserCode)
            || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return;
        }

        var login = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var userId = login.Principal is { } principal ? http.RequestServices.GetRequiredService<UserManager<Data.ApplicationUser>>().GetUserId(principal) : null;
        if (userId is null)
        {
            context.UserCode = null;
            return;
        }

        if (await limits.CheckUserCodeAsync(http, userId) is { } refused)
        {
            OAuthRefusals.Remember(http, refused);
            context.UserCode = null;
        }
    }
}
