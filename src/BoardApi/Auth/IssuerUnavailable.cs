using Microsoft.AspNetCore;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.BoardApi.Auth;

/// <summary>
/// When a token cannot be checked because the IdentityServer cannot be reached (discovery, JWKS or introspection),
/// OpenIddict answers server_error, which its host turns into a 500. It is an outage upstream, not our bug: 503
/// with Retry-After tells clients to try again rather than to give up.
/// </summary>
public sealed class IssuerUnavailable : IOpenIddictValidationHandler<ProcessChallengeContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessChallengeContext>()
            .UseSingletonHandler<IssuerUnavailable>()
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
