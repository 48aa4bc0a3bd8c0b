using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.ServiceDefaults.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>
/// Limits client authentications that cost real work, on every endpoint where a client authenticates (token,
/// introspection, revocation, pushed authorization, device authorization: one step of OpenIddict's authentication, before the secret is checked). A secret this
/// instance has already seen match (<see cref="ClientSecretVerdicts"/>) costs nothing and is not counted, so a busy
/// resource server introspecting thousands of tokens never meets these limits. Every other attempt takes a permit before
/// its secret is hashed (PBKDF2, about 2 ms of CPU), per client IP (<see cref="IdentityRateLimits.ClientAuthPerIp"/>: a
/// flood of wrong secrets, or of made-up client_ids, from one address) and per client and IP
/// (<see cref="IdentityRateLimits.ClientAuthPerClientIp"/>: guessing one client's secret). A made-up client_id still costs
/// the indexed lookup that finds it unknown, as any request naming one does; it is the hashes these limits save. Every
/// wrong secret is such an attempt, and a right one is one at most once an hour per instance, so the second limit is
/// in effect a limit on failures; being per address, failures from an attacker's address never lock the real client
/// out of its own.
/// </summary>
public sealed class ClientAuthenticationLimits(IOpenIddictApplicationManager applications, ClientSecretVerdicts verdicts,
    DistributedRateLimiter limiter) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseScopedHandler<ClientAuthenticationLimits>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientId.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (string.IsNullOrEmpty(context.ClientId)
            || context.EndpointType is not (OpenIddictServerEndpointType.Token or OpenIddictServerEndpointType.Introspection
                or OpenIddictServerEndpointType.Revocation or OpenIddictServerEndpointType.PushedAuthorization
                or OpenIddictServerEndpointType.DeviceAuthorization)
            || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return;
        }

        // The lookup OpenIddict makes next anyway (this request's copy serves both).
        var client = await applications.FindByClientIdAsync(context.ClientId) as OpenIddictEntityFrameworkCoreApplication;
        if (client is not null && IsFree(client, context.ClientId, context.ClientSecret))
        {
            return;
        }

        var ip = IdentityRateLimits.ClientIp(http) ?? "";
        var decision = await limiter.AcquireAsync(IdentityRateLimits.ClientAuthPerIp, ip, http.RequestAborted);
        if (decision.Allowed && client is not null)
        {
            decision = await limiter.AcquireAsync(IdentityRateLimits.ClientAuthPerClientIp, $"{context.ClientId}|{ip}", http.RequestAborted);
        }

        if (!decision.Allowed)
        {
            OAuthRefusals.Remember(http, decision);
            context.Reject(error: Errors.TemporarilyUnavailable, description: OAuthRefusals.Describe(decision));
        }
    }

    // No secret to hash (a public client, which OpenIddict refuses a secret without hashing one), or one already seen
    // to match the stored hash.
    private bool IsFree(OpenIddictEntityFrameworkCoreApplication client, string clientId, string? secret) =>
        string.IsNullOrEmpty(secret)
        || client.ClientType == ClientTypes.Public
        || (client.ClientSecret is { Length: > 0 } storedHash && verdicts.Matched(verdicts.KeyOf(clientId, storedHash, secret)));
}

/// <summary>
/// Revocations per client (RFC 7009), after it authenticated: each one adds an entry to the revocation index that every
/// resource server holds in memory until the token would have expired, so no client may add them without bound.
/// Partitioned like the token requests (a public client per IP address).
/// </summary>
public sealed class RevocationsPerClientLimit(DistributedRateLimiter limiter) : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseSingletonHandler<RevocationsPerClientLimit>()
            .SetOrder(TokenRevocation.RecordRevokedToken.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (context.Request.ClientId is not { } clientId || context.Transaction.GetHttpRequest()?.HttpContext is not { } http)
        {
            return;
        }

        var partition = TokenRequestLimits.PartitionOf(http, clientId, TokenRequestLimits.IsAuthenticated(context.Request));
        var decision = await limiter.AcquireAsync(IdentityRateLimits.RevocationsPerClient, partition, http.RequestAborted);
        if (!decision.Allowed)
        {
            OAuthRefusals.Remember(http, decision);
            context.Reject(error: Errors.TemporarilyUnavailable, description: OAuthRefusals.Describe(decision));
        }
    }
}
