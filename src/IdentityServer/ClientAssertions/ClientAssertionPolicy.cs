using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.ClientAssertions;

/// <summary>
/// What OpenIddict leaves to us about a client's authentication, for every endpoint where clients authenticate (token,
/// introspection, revocation, pushed authorization, device authorization: one step of OpenIddict's authentication, so no
/// endpoint is left out). OpenIddict has by then verified the assertion's signature against the client's keys (with
/// <see cref="ClientAssertionKeys"/>), its typ (client-authentication+jwt), iss = sub = client_id, and its aud.
/// <para>
/// aud: OpenIddict accepts the issuer identifier only, as the single audience. RFC 7523 3 lets the server decide what
/// identifies it, and OIDC Core 9 suggests the token endpoint URL; but the 2025 update of RFC 7523 (after the audience
/// injection attacks, CVE-2025-27370/27371) says an assertion must name the issuer alone: one naming an endpoint URL the
/// client read from another server's metadata could be replayed here. openid-client and OpenIddict.Client send the
/// issuer. So the endpoint's URL is not accepted either.
/// </para>
/// Here: the client uses the method it registered (a private_key_jwt client never a secret, a secret client never an
/// assertion), the assertion is short-lived (exp required, at most <see cref="ClientAssertionSettings.MaxLifetime"/>
/// ahead), and its jti is used once across every instance (RFC 7523 3, item 7: Redis SET NX).
/// </summary>
public sealed class ClientAssertionPolicy(IOpenIddictApplicationManager applications, IConnectionMultiplexer redis, RedisKeys keys,
    IOptions<ClientAssertionSettings> options, TimeProvider time) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientIdParameter>()
            .UseScopedHandler<ClientAssertionPolicy>()
            .SetOrder(OpenIddictServerHandlers.ValidateClientType.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        // The endpoints where no client authenticates (as OpenIddict's own client type check skips them).
        if (context.EndpointType is OpenIddictServerEndpointType.Authorization or OpenIddictServerEndpointType.EndSession
                or OpenIddictServerEndpointType.UserInfo or OpenIddictServerEndpointType.EndUserVerification
            || await applications.FindByClientIdAsync(context.ClientId!, context.CancellationToken) is not { } application)
        {
            return;
        }

        var method = await ClientProperties.TokenEndpointAuthMethodAsync(applications, application, context.CancellationToken);
        var assertion = context.ClientAssertionPrincipal;
        if (method == ClientAuthenticationMethods.PrivateKeyJwt && assertion is null)
        {
            context.Reject(error: Errors.InvalidClient,
                description: "This client authenticates with private_key_jwt: send a client_assertion signed with its key, never a secret.");
            return;
        }

        if (method != ClientAuthenticationMethods.PrivateKeyJwt && !string.IsNullOrEmpty(context.ClientAssertion))
        {
            context.Reject(error: Errors.InvalidClient, description: $"This client is registered for {method}, not private_key_jwt.");
            return;
        }

        if (assertion is null)
        {
            return;
        }

        var settings = options.Value;
        var now = time.GetUtcNow();
        // OpenIddict requires exp and refuses it once past (with our clock skew); a far one would make a long-lived credential.
        if (assertion.GetExpirationDate() is not { } expires || expires > now + settings.MaxLifetime + settings.ClockSkew)
        {
            context.Reject(error: Errors.InvalidClient,
                description: $"The client assertion must expire within {settings.MaxLifetime.TotalMinutes:0.#} minutes (exp).");
            return;
        }

        if (assertion.GetClaim(Claims.JwtId) is not { Length: > 0 and <= 256 } jti)
        {
            context.Reject(error: Errors.InvalidClient, description: "The client assertion must carry a jti (at most 256 characters), used once.");
            return;
        }

        // Last, so that only an assertion good in every other respect is recorded; kept while it could still be accepted.
        try
        {
            var kept = TimeSpan.FromTicks(Math.Max((expires - now + settings.ClockSkew).Ticks, TimeSpan.TicksPerSecond));
            var first = await redis.GetDatabase().StringSetAsync(keys.ClientAssertionUse(context.ClientId!, jti), 1, kept, When.NotExists);
            if (!first)
            {
                context.Reject(error: Errors.InvalidClient, description: "The client assertion has been used before (jti).");
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Fail closed: without Redis a replayed assertion cannot be told from a fresh one.
            context.Reject(error: Errors.TemporarilyUnavailable, description: "Client assertions cannot be checked right now; retry shortly.");
        }
    }
}
