using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using RedisJwt.ServiceDefaults.Telemetry;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Telemetry;

/// <summary>
/// Counts and audits each token response of the token endpoint (redisjwt.tokens.issued, by grant type and client),
/// and names its client and user in the request's access log line. After OpenIddict has attached the tokens, so only
/// a sign-in that produced them counts.
/// </summary>
public sealed class CountIssuedTokens(AuthEvents events) : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<CountIssuedTokens>()
            .SetOrder(OpenIddictServerHandlers.AttachSignInParameters.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        // A token exchange's access token is OpenIddict's issued token (RFC 8693 2.2.1): counted and audited the same.
        if (context.EndpointType != OpenIddictServerEndpointType.Token || !(context.IncludeAccessToken || context.IncludeIssuedToken)
            || context.Request.GrantType is not { } grantType || context.Request.ClientId is not { } clientId)
        {
            return default;
        }

        var subject = (context.AccessTokenPrincipal ?? context.IssuedTokenPrincipal)?.GetClaim(Claims.Subject);
        events.TokenIssued(grantType, clientId, subject, context.IncludeRefreshToken);
        if (context.Transaction.GetHttpRequest()?.HttpContext.Features.Get<AccessLogFields>() is { } fields)
        {
            fields.ClientId = clientId;
            fields.Subject = subject;
        }

        return default;
    }
}
