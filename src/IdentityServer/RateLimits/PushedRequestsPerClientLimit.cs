using OpenIddict.Server;
using Microsoft.AspNetCore;
using RedisJwt.ServiceDefaults.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>
/// Pushed authorization requests per client (RFC 9126), once it is authenticated: each one stores a request token for
/// its lifetime, and a public client needs no secret to push, so nobody may store them without bound. From the token
/// requests' allowance (token-requests-per-client: pushing is the first half of a code flow), partitioned like it.
/// </summary>
public sealed class PushedRequestsPerClientLimit(DistributedRateLimiter limiter) : IOpenIddictServerHandler<HandlePushedAuthorizationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandlePushedAuthorizationRequestContext>()
            .UseSingletonHandler<PushedRequestsPerClientLimit>()
            .SetOrder(OpenIddictServerHandlers.Authentication.AttachPushedPrincipal.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandlePushedAuthorizationRequestContext context)
    {
        if (context.Request.ClientId is not { } clientId || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return;
        }

        var partition = TokenRequestLimits.PartitionOf(http, clientId, authenticated: !string.IsNullOrEmpty(context.Request.ClientSecret));
        var decision = await limiter.AcquireAsync(IdentityRateLimits.TokenRequestsPerClient, partition, http.RequestAborted);
        if (!decision.Allowed)
        {
            OAuthRefusals.Remember(http, decision);
            context.Reject(error: Errors.TemporarilyUnavailable, description: OAuthRefusals.Describe(decision));
        }
    }
}
