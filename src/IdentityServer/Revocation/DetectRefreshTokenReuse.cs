using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Connect;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Revocation;

/// <summary>
/// Refresh-token reuse detection (RFC 9700 4.14.2): a refresh token presented again after it was redeemed means
/// two parties hold it, so the whole family is revoked, at resource servers too, and the event is logged as a
/// security event. A configured grace window (Server:RefreshTokenReuseLeeway) lets a client retry with the token it
/// just used, never with an older generation. Runs before OpenIddict's own check of the token entry.
/// </summary>
public sealed class DetectRefreshTokenReuse(IOpenIddictTokenManager tokens, Revoker revoker, IOptions<ServerSettings> settings,
    TimeProvider clock, ILogger<DetectRefreshTokenReuse> logger) : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static readonly EventId SecurityEvent = new(4001, "RefreshTokenReuse");

    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<DetectRefreshTokenReuse>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Token
            || context.Principal?.HasTokenType(TokenTypeIdentifiers.RefreshToken) is not true
            || string.IsNullOrEmpty(context.TokenId)
            || await tokens.FindByIdAsync(context.TokenId) is not { } token
            || !await tokens.HasStatusAsync(token, Statuses.Redeemed)
            || await IsGraceRetryAsync(token))
        {
            return;
        }

        var family = await tokens.GetAuthorizationIdAsync(token);
        logger.LogWarning(SecurityEvent,
            "Security event: refresh token {TokenId} of client {ClientId} (user {Subject}) was used again after redemption; token family {AuthorizationId} revoked.",
            context.TokenId, context.Principal.GetPresenters().FirstOrDefault(), context.Principal.GetClaim(Claims.Subject), family);

        if (family is not null)
        {
            try
            {
                await revoker.RevokeFamilyAsync(family);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // The request is refused either way; OpenIddict still revokes the chain in PostgreSQL.
                logger.LogError(SecurityEvent, exception, "Token family {AuthorizationId} could not be revoked in Redis.", family);
            }
        }

        context.Reject(error: Errors.InvalidGrant,
            description: "The refresh token was already used. Every token of this sign-in has been revoked; sign in again.");
    }

    // A retry within the grace window, and only by the newest redeemed generation: if a later refresh token of the
    // same family was redeemed too, this one is at least two generations old.
    private async Task<bool> IsGraceRetryAsync(object token)
    {
        var leeway = settings.Value.RefreshTokenReuseLeeway;
        if (leeway <= TimeSpan.Zero || await tokens.GetRedemptionDateAsync(token) is not { } redeemedAt
            || redeemedAt + leeway < clock.GetUtcNow())
        {
            return false;
        }

        var created = await tokens.GetCreationDateAsync(token);
        if (await tokens.GetAuthorizationIdAsync(token) is not { } family)
        {
            return true;
        }

        await foreach (var sibling in tokens.FindByAuthorizationIdAsync(family))
        {
            // Only refresh tokens (and the code, created before them all) are ever redeemed.
            if (await tokens.GetCreationDateAsync(sibling) > created && await tokens.HasStatusAsync(sibling, Statuses.Redeemed))
            {
                return false;
            }
        }

        return true;
    }
}
