using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.Telemetry;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>
/// Reuse detection for what the token endpoint redeems once: refresh tokens (RFC 9700 4.14.2) and authorization codes
/// (RFC 6749 4.1.2: a code used twice is refused, and what it produced is revoked). Presented again, it means two
/// parties hold it, so the whole family is revoked, at resource servers too (OpenIddict alone revokes it in PostgreSQL
/// only, and resource servers never hear of it), and the event is logged as a security event. "Again" includes at the
/// same moment: the first request claims the token atomically in Redis (SET NX), so of any number of racing requests
/// exactly one redeems it; the others wait until it has answered, then revoke the family (its fresh tokens included).
/// A configured grace window (Server:RefreshTokenReuseLeeway) lets a client retry with the refresh token it just used,
/// never with an older generation, and never with a code. Runs before OpenIddict's own check of the token entry.
/// </summary>
public sealed class DetectRedeemedTokenReuse(IOpenIddictTokenManager tokens, Revoker revoker, IConnectionMultiplexer redis,
    RedisKeys keys, IOptions<ServerSettings> settings, TimeProvider clock, AccountAlerts alerts, AuthEvents events,
    ILogger<DetectRedeemedTokenReuse> logger)
    : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static readonly EventId SecurityEvent = new(4001, "RefreshTokenReuse");

    public static readonly EventId CodeReplayEvent = new(4002, "AuthorizationCodeReplay");

    /// <summary>Transaction property holding the claim key of the request that won the token.</summary>
    public const string ClaimProperty = ".redisjwt_redemption_claim";

    private const string Pending = "pending";
    private const string Done = "done";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<DetectRedeemedTokenReuse>()
            // Before the handler is resolved: its services (Revoker, AccountAlerts, hence UserManager and a DbContext)
            // were built on every token validation, e.g. each introspection of an access token, for nothing.
            .AddFilter<RequireRedeemedGrant>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>Whether <see cref="HandleAsync"/> has anything to check: a code or refresh token at the token endpoint.</summary>
    public static bool Applies(ValidateTokenContext context) =>
        context.EndpointType == OpenIddictServerEndpointType.Token
        && !string.IsNullOrEmpty(context.TokenId)
        && context.Principal is { } principal
        && (principal.HasTokenType(TokenTypeIdentifiers.Private.AuthorizationCode) || principal.HasTokenType(TokenTypeIdentifiers.RefreshToken));

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        // The filter has checked this already; checked again so that the handler is safe however it is registered.
        if (!Applies(context) || context.Principal is not { } principal || string.IsNullOrEmpty(context.TokenId))
        {
            return;
        }

        var isCode = principal.HasTokenType(TokenTypeIdentifiers.Private.AuthorizationCode);
        var readAt = clock.GetUtcNow();
        if (await tokens.FindByIdAsync(context.TokenId) is not { } token)
        {
            return;
        }

        if (await tokens.HasStatusAsync(token, Statuses.Redeemed))
        {
            if (isCode || !await IsGraceRetryAsync(token, context.TokenId))
            {
                await RejectAsReuseAsync(context, token, isCode);
            }

            return;
        }

        var claim = isCode ? keys.AuthorizationCodeUse(context.TokenId) : keys.RefreshTokenUse(context.TokenId);
        var expiresAt = principal.GetExpirationDate() ?? clock.GetUtcNow() + PendingLifetime;
        // A first request that failed without redeeming gives the claim back (or, if it died, lets it lapse): the one
        // waiting for it then redeems instead, as the first use it is. Twice at most, then it is taken for a replay.
        for (var round = 0; round < 3; round++)
        {
            bool won;
            try
            {
                won = await TryClaimAsync(claim, expiresAt);
                if (won && !isCode && await tokens.GetAuthorizationIdAsync(token) is { } family)
                {
                    await redis.GetDatabase().StringSetAsync(keys.RefreshFamilyLatest(family), context.TokenId, settings.Value.RefreshTokenLifetime);
                }
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                logger.LogError(exception, "Token request refused: Redis is unavailable to claim the code or refresh token.");
                context.Reject(error: Errors.TemporarilyUnavailable, description: "The grant cannot be redeemed right now; retry shortly.");
                return;
            }

            if (won && ClaimedTooLate(readAt, clock.GetUtcNow()))
            {
                // The entry read as unredeemed is that old: a redemption since then may have had its "done" lapse.
                await redis.GetDatabase().KeyDeleteAsync(claim);
                context.Reject(error: Errors.TemporarilyUnavailable, description: "The grant cannot be redeemed right now; retry shortly.");
                return;
            }

            if (won)
            {
                context.Transaction.Properties[ClaimProperty] = new RedemptionClaim(claim.ToString(), expiresAt);
                return;
            }

            if (!isCode && settings.Value.RefreshTokenReuseLeeway > TimeSpan.Zero)
            {
                return;
            }

            switch (await WaitUntilAnsweredAsync(claim))
            {
                case Answer.Issued:
                    await RejectAsReuseAsync(context, token, isCode);
                    return;

                case Answer.StillPending:
                    // The first request has not answered in seconds (it may have died): neither a redemption nor a
                    // replay can be told yet. The client may retry; a real replay is caught then.
                    context.Reject(error: Errors.TemporarilyUnavailable, description: "The grant is being redeemed by another request; retry shortly.");
                    return;
            }
        }

        await RejectAsReuseAsync(context, token, isCode);
    }

    /// <summary>The claim a request won, and until when the token it claims could be used (how long "done" must last).</summary>
    public sealed record RedemptionClaim(string Key, DateTimeOffset TokenExpiresAt);

    private enum Answer { Issued, Released, StillPending }

    // Pending no longer than a redemption could take: a request that dies mid-way (no answer, so no release) blocks its
    // token for this long, not for the token's whole lifetime.
    private static readonly TimeSpan PendingLifetime = TimeSpan.FromSeconds(30);

    private async Task<bool> TryClaimAsync(RedisKey claim, DateTimeOffset tokenExpiresAt)
    {
        var remaining = tokenExpiresAt - clock.GetUtcNow();
        return await redis.GetDatabase().StringSetAsync(claim, Pending,
            remaining > TimeSpan.Zero && remaining < PendingLifetime ? remaining : PendingLifetime, When.NotExists);
    }

    // How long "done" stays: only requests that read the token's entry before the redemption was saved need it (they
    // find the claim taken and wait for it), and a claim more than a minute after its read is refused
    // (ClaimedTooLate). Any later replay finds the entry redeemed in PostgreSQL. (For the token's whole lifetime, a key
    // per refresh filled Redis: 7 days of every rotation.)
    public static readonly TimeSpan SpentLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a claim won at <paramref name="claimedAt"/> rests on an entry read too long before, at
    /// <paramref name="readAt"/>: only a claim won well within <see cref="SpentLifetime"/> of the read is sure to have
    /// met the "done" of any redemption saved after it (OpenIddict itself ignores a refresh token's failed redemption).
    /// </summary>
    public static bool ClaimedTooLate(DateTimeOffset readAt, DateTimeOffset claimedAt) => claimedAt - readAt > SpentLifetime / 5;

    /// <summary>
    /// Called once the token response is on its way. Tokens were issued: the token is spent (its entry redeemed in
    /// PostgreSQL; the claim says so for <see cref="SpentLifetime"/>), and racing replays revoke the family. The grant
    /// failed instead (e.g. a wrong PKCE verifier, temporarily unavailable): the token was not redeemed, so the claim
    /// goes, and the next request presenting it (the client's retry, or the rightful client after an interceptor's failed
    /// attempt) is a first use again rather than a "replay" that would revoke the family.
    /// </summary>
    public static async Task ReleaseAsync(IConnectionMultiplexer redis, RedemptionClaim claim, bool issued, TimeProvider clock)
    {
        var database = redis.GetDatabase();
        var remaining = claim.TokenExpiresAt - clock.GetUtcNow();
        if (issued)
        {
            await database.StringSetAsync(claim.Key, Done,
                remaining > TimeSpan.Zero && remaining < SpentLifetime ? remaining : SpentLifetime, When.Exists);
        }
        else
        {
            await database.KeyDeleteAsync(claim.Key);
        }
    }

    private async Task RejectAsReuseAsync(ValidateTokenContext context, object token, bool isCode)
    {
        var family = await tokens.GetAuthorizationIdAsync(token);
        var clientId = context.Principal!.GetPresenters().FirstOrDefault();
        var subject = context.Principal!.GetClaim(Claims.Subject);
        if (isCode)
        {
            logger.LogWarning(CodeReplayEvent,
                "Security event: authorization code {TokenId} of client {ClientId} (user {Subject}) was presented again; token family {AuthorizationId} revoked.",
                context.TokenId, clientId, subject, family);
            events.AuthorizationCodeReplayed(clientId, subject, family);
        }
        else
        {
            logger.LogWarning(SecurityEvent,
                "Security event: refresh token {TokenId} of client {ClientId} (user {Subject}) was presented again; token family {AuthorizationId} revoked.",
                context.TokenId, clientId, subject, family);
            events.RefreshTokenReused(clientId, subject, family);
        }

        if (family is not null)
        {
            // Rejecting here also skips OpenIddict's own chain revocation, so the family is revoked here, in
            // PostgreSQL whatever happens, and in Redis if it answers.
            var cause = isCode ? RevocationCause.AuthorizationCodeReplay : RevocationCause.RefreshTokenReuse;
            if (!await revoker.RevokeFamilyWhateverItTakesAsync(family, cause, subject, clientId, context.Principal!.GetSessionId()))
            {
                logger.LogError(isCode ? CodeReplayEvent : SecurityEvent,
                    "Token family {AuthorizationId} revoked in PostgreSQL but not in Redis: its access tokens stay valid at resource servers until they expire.", family);
            }

            // After the revocation, which it can neither delay nor undo: it never throws. A replayed refresh token
            // means a copy of the user's sign-in is out there; a replayed code is the client's leak, not the user's.
            if (!isCode)
            {
                await alerts.RefreshTokenReusedAsync(subject, clientId);
            }
        }

        context.Reject(error: Errors.InvalidGrant, description: isCode
            ? "The authorization code was already used. Every token issued with it has been revoked."
            : "The refresh token was already used. Every token of this sign-in has been revoked; sign in again.");
    }

    // The racing winner is mid-redemption; revoking now could fail it too. Its answer takes milliseconds; a winner
    // that died is waited for at most a few seconds.
    private async Task<Answer> WaitUntilAnsweredAsync(RedisKey claim)
    {
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(5);
        try
        {
            var database = redis.GetDatabase();
            while (clock.GetUtcNow() < deadline)
            {
                var state = await database.StringGetAsync(claim);
                if (state != Pending)
                {
                    return state.IsNull ? Answer.Released : Answer.Issued;
                }

                await Task.Delay(20);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning(exception, "Could not wait for the first use of a presented code or refresh token to answer.");
        }

        return Answer.StillPending;
    }

    // A retry within the grace window, and only with the token the family redeemed last: creation dates are stored to
    // the second, too coarse to order generations, so the family's latest redemption is kept in Redis.
    private async Task<bool> IsGraceRetryAsync(object token, string tokenId)
    {
        var leeway = settings.Value.RefreshTokenReuseLeeway;
        if (leeway <= TimeSpan.Zero || await tokens.GetRedemptionDateAsync(token) is not { } redeemedAt
            || redeemedAt + leeway < clock.GetUtcNow() || await tokens.GetAuthorizationIdAsync(token) is not { } family)
        {
            return false;
        }

        try
        {
            return await redis.GetDatabase().StringGetAsync(keys.RefreshFamilyLatest(family)) == tokenId;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return false;
        }
    }
}

/// <summary>Lets <see cref="DetectRedeemedTokenReuse"/> be resolved only when <see cref="DetectRedeemedTokenReuse.Applies"/>.</summary>
public sealed class RequireRedeemedGrant : IOpenIddictServerHandlerFilter<ValidateTokenContext>
{
    public ValueTask<bool> IsActiveAsync(ValidateTokenContext context) => new(DetectRedeemedTokenReuse.Applies(context));
}
