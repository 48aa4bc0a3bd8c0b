using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.BoardApi.Auth;

/// <summary>
/// A valid token without the scope an endpoint needs gets 403 with <c>error="insufficient_scope"</c> and the scope
/// it lacks (RFC 6750 3.1), rather than OpenIddict's generic insufficient_access.
/// </summary>
public sealed class InsufficientScopeResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var missingScope = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().FirstOrDefault();
        if (!authorizeResult.Forbidden || missingScope is null)
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }

        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictValidationAspNetCoreConstants.Properties.Error] = Errors.InsufficientScope,
            [OpenIddictValidationAspNetCoreConstants.Properties.ErrorDescription] = $"The access token lacks the '{missingScope.Scope}' scope.",
            [OpenIddictValidationAspNetCoreConstants.Properties.Scope] = missingScope.Scope,
        });
        return context.ForbidAsync(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme, properties);
    }
}
