using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.AspNetCore.OpenIddictValidationAspNetCoreHandlerFilters;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.Revocation.DPoP;

/// <summary>
/// The <c>DPoP</c> challenge (RFC 9449 7.1), which OpenIddict cannot write (it writes <c>Bearer</c> only): instead of
/// its Bearer challenge when the token came as DPoP or is bound to a key; beside it when the request carried no token,
/// since either scheme would do. Same parameters as OpenIddict's (error, description, realm, and any a host added),
/// plus <c>algs</c>.
/// </summary>
internal sealed class DPoPChallenge(IOptionsMonitor<OpenIddictValidationAspNetCoreOptions> aspNetCore)
    : IOpenIddictValidationHandler<ProcessChallengeContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessChallengeContext>()
            .AddFilter<RequireHttpRequest>()
            .UseSingletonHandler<DPoPChallenge>()
            // Right after OpenIddict has written its Bearer challenge, before it ends the response.
            .SetOrder(OpenIddictValidationAspNetCoreHandlers.AttachWwwAuthenticateHeader<ProcessChallengeContext>.Descriptor.Order + 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessChallengeContext context)
    {
        if (string.IsNullOrEmpty(context.Response.Error) || context.Transaction.GetHttpRequest()?.HttpContext.Response is not { } response)
        {
            return default;
        }

        var dpop = context.Transaction.DPoP();
        var authentication = context.Transaction.GetProperty<ProcessAuthenticationContext>(typeof(ProcessAuthenticationContext).FullName!);
        if (dpop.PresentedAsDPoP || dpop.TokenBound)
        {
            // OpenIddict answers an error it does not know with 400; RFC 9449 7.1 says 401.
            if (context.Response.Error == DPoPBindingRule.InvalidProofError)
            {
                response.StatusCode = StatusCodes.Status401Unauthorized;
            }

            response.Headers.WWWAuthenticate = new StringValues(
                [.. response.Headers.WWWAuthenticate.Where(challenge => !IsBearer(challenge)), Challenge(context, withError: true)]);
        }
        else if (string.IsNullOrEmpty(authentication?.AccessToken))
        {
            response.Headers.Append(Microsoft.Net.Http.Headers.HeaderNames.WWWAuthenticate, Challenge(context, withError: false));
        }

        return default;
    }

    private string Challenge(ProcessChallengeContext context, bool withError)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (aspNetCore.CurrentValue.Realm is { Length: > 0 } realm)
        {
            parameters[Parameters.Realm] = realm;
        }

        foreach (var (name, value) in context.Response.GetParameters())
        {
            // Without a token there is nothing wrong with DPoP: the error belongs to the Bearer challenge.
            if ((!withError && name is Parameters.Error or Parameters.ErrorDescription or Parameters.ErrorUri)
                || (string?)value is not { Length: > 0 } text)
            {
                continue;
            }

            parameters[name] = text;
        }

        return DPoPBindingRule.Challenge(parameters);
    }

    private static bool IsBearer(string? challenge) =>
        challenge is not null && (challenge.Equals(Schemes.Bearer, StringComparison.OrdinalIgnoreCase)
            || challenge.StartsWith(Schemes.Bearer + " ", StringComparison.OrdinalIgnoreCase));
}
