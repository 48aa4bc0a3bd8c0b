using OpenIddict.Server;
using Microsoft.AspNetCore;
using RedisJwt.ServiceDefaults.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>
/// Requests that store something for a while, per client once it is authenticated: a pushed authorization request
/// (RFC 9126) stores a request token, a device authorization request (RFC 8628) a device code and a user code, and a
/// public client needs no secret to make either, so nobody may store them without bound. From the token requests'
/// allowance (token-requests-per-client: each is the first half of a flow), partitioned like it.
/// </summary>
public sealed class StoredRequestsPerClientLimit<TContext>(DistributedRateLimiter limiter) : IOpenIddictServerHandler<TContext>
    where TContext : BaseValidatingContext
{
    public async ValueTask HandleAsync(TContext context)
    {
        if (context.Transaction.Request is not { ClientId: { } clientId } request || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return;
        }

        var partition = TokenRequestLimits.PartitionOf(http, clientId, TokenRequestLimits.IsAuthenticated(request));
        var decision = await limiter.AcquireAsync(IdentityRateLimits.TokenRequestsPerClient, partition, http.RequestAborted);
        if (!decision.Allowed)
        {
            OAuthRefusals.Remember(http, decision);
            context.Reject(error: Errors.TemporarilyUnavailable, description: OAuthRefusals.Describe(decision));
        }
    }
}

public static class StoredRequestsPerClientLimit
{
    public static OpenIddictServerHandlerDescriptor PushedAuthorizationDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandlePushedAuthorizationRequestContext>()
            .UseSingletonHandler<StoredRequestsPerClientLimit<HandlePushedAuthorizationRequestContext>>()
            .SetOrder(OpenIddictServerHandlers.Authentication.AttachPushedPrincipal.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    // Once OpenIddict has authenticated the client and checked its permissions: only a real client's requests count.
    public static OpenIddictServerHandlerDescriptor DeviceAuthorizationDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateDeviceAuthorizationRequestContext>()
            .UseSingletonHandler<StoredRequestsPerClientLimit<ValidateDeviceAuthorizationRequestContext>>()
            .SetOrder(OpenIddictServerHandlers.Device.ValidateScopePermissions.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();
}
