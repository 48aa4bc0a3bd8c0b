using System.Collections.Concurrent;
using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace RedisJwt.Revocation;

/// <summary>What a resource server knows about a token: its identifiers as found in the validated access token.</summary>
/// <param name="TokenId">The token's <c>jti</c>.</param>
/// <param name="SessionId">The login session's <c>sid</c>.</param>
/// <param name="FamilyId">The authorization (refresh-token family) it belongs to, <see cref="FamilyClaim"/>.</param>
/// <param name="Subject">The user (or client) it was issued to, <c>sub</c>.</param>
/// <param name="IssuedAt">Its <c>iat</c>, Unix seconds.</param>
public readonly record struct TokenFacts(string? TokenId, string? SessionId, string? FamilyId, string? Subject, long IssuedAt)
{
    /// <summary>The access-token claim naming the authorization (refresh-token family) a token belongs to.</summary>
    public const string FamilyClaim = "aid";

    /// <summary>The facts of a validated token's principal: jti, sid, aid (family), sub and iat.</summary>
    public static TokenFacts Of(ClaimsPrincipal principal)
    {
        var issuedAt = long.TryParse(principal.GetClaim(Claims.IssuedAt), out var iat) ? iat
            : principal.GetCreationDate()?.ToUnixTimeSeconds() ?? 0;
        return new TokenFacts(principal.GetClaim(Claims.JwtId), principal.GetClaim("sid"), principal.GetClaim(FamilyClaim),
            principal.GetClaim(Claims.Subject), issuedAt);
    }
}

/// <summary>The answer of <see cref="RevocationView.CheckAsync"/>.</summary>
public enum RevocationStatus
{
    /// <summary>Not revoked.</summary>
    Valid,

    /// <summary>Revoked: reject the token.</summary>
    Revoked,

    /// <summary>The revocation state cannot be known (Redis unreachable beyond the degraded window): fail closed.</summary>
    Unknown,
}

/// <summary>
/// A resource server's copy of the current revocations, kept in memory and fed by the revocation channel, so the
/// common request costs no Redis round trip. Until it is in sync (just started, or the channel was lost) it asks
/// Redis directly; if Redis cannot answer either, it goes on with what it knew for
/// <see cref="RevocationOptions.DegradedWindow"/>, then answers <see cref="RevocationStatus.Unknown"/>.
/// </summary>
public sealed class RevocationView(IConnectionMultiplexer redis, RevocationKeys keys, IOptions<RevocationOptions> options,
    TimeProvider clock, ILogger<RevocationView> logger)
{
    // Encoded "kind|id" → expiry (Unix ms); users: id → (revoked before, expiry).
    private readonly ConcurrentDictionary<string, long> _revoked = new();
    private readonly ConcurrentDictionary<string, (long Before, long ExpiresMs)> _users = new();
    private volatile bool _inSync;
    private long _lostAtMs;
    private long _losses;
    private bool _everInSync;

    /// <summary>True while the view follows the revocation channel, so a check costs no Redis round trip.</summary>
    public bool InSync => _inSync;

    internal void Apply(Revoked revocation)
    {
        var expiresMs = revocation.ExpiresAt.ToUnixTimeMilliseconds();
        if (revocation.Kind == RevocationKind.User)
        {
            _users.AddOrUpdate(revocation.Id, (revocation.RevokedBefore, expiresMs),
                (_, known) => (Math.Max(known.Before, revocation.RevokedBefore), Math.Max(known.ExpiresMs, expiresMs)));
        }
        else
        {
            _revoked.AddOrUpdate(LocalKey(revocation.Kind, revocation.Id), expiresMs, (_, known) => Math.Max(known, expiresMs));
        }
    }

    /// <summary>
    /// Loads every unexpired revocation from the index; called once subscribed, so nothing falls in between. If the
    /// subscription was lost meanwhile (or is not up), the view stays out of sync and the caller tries again.
    /// </summary>
    /// <returns>True when the view is now in sync.</returns>
    internal async Task<bool> SynchronizeAsync()
    {
        var lossesBefore = Interlocked.Read(ref _losses);
        var nowMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var entries = await redis.GetDatabase().SortedSetRangeByScoreAsync(keys.Index, nowMs, double.PositiveInfinity);
        foreach (var entry in entries)
        {
            if (Revoked.TryDecode(entry) is { } revocation)
            {
                Apply(revocation);
            }
        }

        if (Interlocked.Read(ref _losses) != lossesBefore || !redis.GetSubscriber().IsConnected(keys.Channel))
        {
            return false;
        }

        _everInSync = true;
        _inSync = true;
        logger.LogInformation("Revocation view in sync: {Count} revocations loaded.", entries.Length);
        return true;
    }

    /// <summary>The channel is gone: answers come from Redis lookups, or the degraded window, until resynchronized.</summary>
    internal void MarkOutOfSync()
    {
        // Counted even when already out of sync, so a synchronization running meanwhile cannot declare itself done.
        Interlocked.Increment(ref _losses);
        if (_inSync)
        {
            Interlocked.Exchange(ref _lostAtMs, clock.GetUtcNow().ToUnixTimeMilliseconds());
            _inSync = false;
            logger.LogWarning("Revocation view out of sync: the revocation channel was lost.");
        }
    }

    /// <summary>Whether a token is revoked, judged locally when in sync, else by Redis, else within the degraded window.</summary>
    public async ValueTask<RevocationStatus> CheckAsync(TokenFacts token)
    {
        if (_inSync)
        {
            return CheckLocally(token);
        }

        // What this instance already knows stays true even if Redis lost it (a restart without persistence).
        if (CheckLocally(token) == RevocationStatus.Revoked)
        {
            return RevocationStatus.Revoked;
        }

        if (redis.IsConnected)
        {
            try
            {
                return await CheckInRedisAsync(token);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                logger.LogWarning(exception, "Revocation lookup in Redis failed.");
            }
        }

        // Redis is unreachable: the last known state is good enough for a short while, never for long.
        var lostForMs = clock.GetUtcNow().ToUnixTimeMilliseconds() - Interlocked.Read(ref _lostAtMs);
        return _everInSync && lostForMs <= options.Value.DegradedWindow.TotalMilliseconds
            ? CheckLocally(token)
            : RevocationStatus.Unknown;
    }

    /// <summary>Drops what has expired; the tokens it concerned are rejected for their expiry anyway.</summary>
    internal void Purge()
    {
        var nowMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (key, expiresMs) in _revoked)
        {
            if (expiresMs < nowMs)
            {
                _revoked.TryRemove(new KeyValuePair<string, long>(key, expiresMs));
            }
        }

        foreach (var (key, mark) in _users)
        {
            if (mark.ExpiresMs < nowMs)
            {
                _users.TryRemove(new KeyValuePair<string, (long, long)>(key, mark));
            }
        }
    }

    private RevocationStatus CheckLocally(TokenFacts token)
    {
        var nowMs = clock.GetUtcNow().ToUnixTimeMilliseconds();
        bool Revoked(RevocationKind kind, string? id) =>
            id is not null && _revoked.TryGetValue(LocalKey(kind, id), out var expiresMs) && expiresMs >= nowMs;

        if (Revoked(RevocationKind.Token, token.TokenId) || Revoked(RevocationKind.Session, token.SessionId)
            || Revoked(RevocationKind.Family, token.FamilyId))
        {
            return RevocationStatus.Revoked;
        }

        return token.Subject is not null && _users.TryGetValue(token.Subject, out var mark) && mark.ExpiresMs >= nowMs
            && token.IssuedAt < mark.Before
            ? RevocationStatus.Revoked
            : RevocationStatus.Valid;
    }

    private async Task<RevocationStatus> CheckInRedisAsync(TokenFacts token)
    {
        // One round trip for every way the token can be revoked.
        var lookups = new List<RedisKey>(4);
        void Add(RevocationKind kind, string? id)
        {
            if (id is not null)
            {
                lookups.Add(keys.Revoked(new Revoked(kind, id, default)));
            }
        }

        Add(RevocationKind.Token, token.TokenId);
        Add(RevocationKind.Session, token.SessionId);
        Add(RevocationKind.Family, token.FamilyId);
        Add(RevocationKind.User, token.Subject);
        var values = await redis.GetDatabase().StringGetAsync([.. lookups]);

        var userMarkIndex = token.Subject is null ? -1 : values.Length - 1;
        for (var index = 0; index < values.Length; index++)
        {
            if (!values[index].HasValue)
            {
                continue;
            }

            if (index != userMarkIndex || (long.TryParse(values[index].ToString(), out var before) && token.IssuedAt < before))
            {
                return RevocationStatus.Revoked;
            }
        }

        return RevocationStatus.Valid;
    }

    private static string LocalKey(RevocationKind kind, string id) => $"{(int)kind}|{id}";
}
