using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.Revocation;

/// <summary>
/// When a token cannot be checked because the IdentityServer (discovery, JWKS, introspection) or the revocation
/// state cannot be reached, OpenIddict answers server_error, which its host turns into a 500. It is an outage, not
/// a bug: 503 with Retry-After tells clients to try again rather than to give up.
/// </summary>
internal sealed class UnavailableChallenge : IOpenIddictValidationHandler<ProcessChallengeContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessChallengeContext>()
            .UseSingletonHandler<UnavailableChallenge>()
            .SetOrder(OpenIddictValidationAspNetCoreHandlers.AttachHttpResponseCode<ProcessChallengeContext>.Descriptor.Order + 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessChallengeContext context)
    {
        if (context.Response.Error is Errors.ServerError && context.Transaction.GetHttpRequest()?.HttpContext.Response is { } response)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.Headers.RetryAfter = "5";
        }

        return default;
    }
}
