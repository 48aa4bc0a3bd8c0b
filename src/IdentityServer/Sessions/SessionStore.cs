using System.Text.Json;
using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Sessions;

/// <summary>One login session, as the user sees it in their session list.</summary>
public sealed record SessionRecord(string Sid, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt,
    string? IpAddress, string? UserAgent, IReadOnlyList<string> Clients);

/// <summary>
/// The login sessions of each user, in Redis so every instance sees the same ones. A session ends when it has not
/// been used for <see cref="SessionSettings.IdleTimeout"/> or, however much it is used, when it reaches
/// <see cref="SessionSettings.AbsoluteLifetime"/>: each token issued in it, and its cookie on this server's pages,
/// push its expiry up to that cap.
/// </summary>
public sealed class SessionStore(IConnectionMultiplexer redis, RedisKeys keys, IOptions<SessionSettings> settings, TimeProvider clock)
{
    private const int MaxUserAgentLength = 256;

    // A cookie is checked on every page request; its session is marked used at most this often.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    // No session of the user outlives this from its last use, so the hash and set keys may expire then.
    private TimeSpan KeyLifetime => settings.Value.IdleTimeout;

    public async Task CreateAsync(string userId, string sid, string? ipAddress, string? userAgent)
    {
        var now = clock.GetUtcNow();
        var record = new SessionRecord(sid, now, now, ExpiryOf(now, lastSeenAt: now), ipAddress,
            userAgent?.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent, []);
        await SaveAsync(userId, record);
    }

    // Atomically: only if the session still exists and is as this request read it, remember the token family and
    // store the updated record. A session ended a moment ago (HDEL by the Revoker) is never brought back, a family
    // recorded here is always seen by a Revoker that ends the session afterwards, and two requests updating the
    // record at once cannot drop each other's client (-1: read it again), so its client list is every client that
    // got tokens in the session: the ones its back-channel logout tells.
    private const string RecordIssuanceScript = """
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if not current then return 0 end
        if current ~= ARGV[5] then return -1 end
        if ARGV[3] ~= '' then
          redis.call('SADD', KEYS[2], ARGV[3])
          redis.call('PEXPIRE', KEYS[2], ARGV[4])
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        """;

    private const int Changed = -1;

    // Each retry means another request's update went through, so n requests at once settle within n rounds; this many
    // in a row is not contention but a fault.
    private const int MaxUpdateAttempts = 64;

    /// <summary>Tokens are about to be issued in the session: remember the client and the token family, push the expiry.</summary>
    /// <returns>False when the session has ended (idle, at its absolute lifetime, or ended): no tokens may be issued in it.</returns>
    public Task<bool> RecordIssuanceAsync(string userId, string sid, string clientId, string? authorizationId) =>
        UpdateAsync(userId, sid, authorizationId, record => record.Clients.Contains(clientId)
            ? record
            : record with { Clients = [.. record.Clients, clientId] });

    /// <summary>For a cookie: whether its session is alive, and if so, marked used (at most once a minute).</summary>
    public Task<bool> UseIfAliveAsync(string userId, string sid) =>
        UpdateAsync(userId, sid, authorizationId: null, change: null);

    /// <param name="change">Null: a touch, skipped when the session was marked used within the last minute.</param>
    private async Task<bool> UpdateAsync(string userId, string sid, string? authorizationId, Func<SessionRecord, SessionRecord>? change)
    {
        var database = redis.GetDatabase();
        for (var attempt = 1; ; attempt++)
        {
            var stored = await database.HashGetAsync(keys.Sessions(userId), sid);
            var now = clock.GetUtcNow();
            if (!stored.HasValue || Parse(stored) is not { } record || record.ExpiresAt <= now)
            {
                return false;
            }

            if (change is null && now - record.LastSeenAt < TouchInterval)
            {
                return true;
            }

            var updated = (change?.Invoke(record) ?? record) with { LastSeenAt = now, ExpiresAt = ExpiryOf(record.CreatedAt, lastSeenAt: now) };
            if (updated.ExpiresAt <= now)
            {
                // Past its absolute lifetime (a session recorded before the limits, with a longer expiry).
                return false;
            }

            var result = (long)await database.ScriptEvaluateAsync(RecordIssuanceScript,
                [keys.Sessions(userId), keys.SessionAuthorizations(userId, sid)],
                [sid, JsonSerializer.Serialize(updated), authorizationId ?? "", (long)KeyLifetime.TotalMilliseconds, stored]);
            if (result != Changed)
            {
                return result == 1;
            }

            if (attempt == MaxUpdateAttempts)
            {
                // Callers treat it as Redis unavailable: refused, nothing issued.
                throw new TimeoutException($"Session {sid} kept changing while it was being updated.");
            }
        }
    }

    private DateTimeOffset ExpiryOf(DateTimeOffset createdAt, DateTimeOffset lastSeenAt)
    {
        var idleEnd = lastSeenAt + settings.Value.IdleTimeout;
        var absoluteEnd = createdAt + settings.Value.AbsoluteLifetime;
        return idleEnd < absoluteEnd ? idleEnd : absoluteEnd;
    }

    public async Task<SessionRecord?> FindAsync(string userId, string sid)
    {
        var value = await redis.GetDatabase().HashGetAsync(keys.Sessions(userId), sid);
        return value.HasValue && Parse(value) is { } record && record.ExpiresAt > clock.GetUtcNow() ? record : null;
    }

    public async Task<IReadOnlyList<SessionRecord>> ListAsync(string userId)
    {
        var now = clock.GetUtcNow();
        var database = redis.GetDatabase();
        var entries = await database.HashGetAllAsync(keys.Sessions(userId));
        var records = entries.Select(entry => (Field: entry.Name, Record: Parse(entry.Value))).ToList();

        // Sessions that expired without being ended leave the hash here, so it does not grow for an active user.
        var expired = records.Where(entry => entry.Record is null || entry.Record.ExpiresAt <= now).Select(entry => entry.Field).ToArray();
        if (expired.Length > 0)
        {
            await database.HashDeleteAsync(keys.Sessions(userId), expired);
        }

        return [.. records.Select(entry => entry.Record).OfType<SessionRecord>()
            .Where(record => record.ExpiresAt > now).OrderByDescending(record => record.LastSeenAt)];
    }

    public async Task<IReadOnlyList<string>> AuthorizationsAsync(string userId, string sid) =>
        [.. (await redis.GetDatabase().SetMembersAsync(keys.SessionAuthorizations(userId, sid))).Select(member => member.ToString())];

    // Read and removed in one step: the clients returned are every client that ever got a token in the session, since
    // RecordIssuanceScript adds one only while the field exists.
    private const string EndScript = """
        local value = redis.call('HGET', KEYS[1], ARGV[1])
        redis.call('HDEL', KEYS[1], ARGV[1])
        return value
        """;

    private const string EndAllScript = """
        local entries = redis.call('HGETALL', KEYS[1])
        redis.call('UNLINK', KEYS[1])
        local values = {}
        for i = 2, #entries, 2 do values[#values + 1] = entries[i] end
        return values
        """;

    /// <summary>The session is over: it is no longer listed, its cookie stops working, and no token is issued in it.</summary>
    /// <returns>The session as it ended (with every client that took part in it); null when it was not there.</returns>
    public async Task<SessionRecord?> EndAsync(string userId, string sid)
    {
        var value = (RedisValue)await redis.GetDatabase().ScriptEvaluateAsync(EndScript, [keys.Sessions(userId)], [sid]);
        return value.HasValue ? Parse(value) : null;
    }

    /// <returns>Every session of the user still recorded as it ended, with the clients that took part in each.</returns>
    public async Task<IReadOnlyList<SessionRecord>> EndAllAsync(string userId)
    {
        var values = (RedisValue[])(await redis.GetDatabase().ScriptEvaluateAsync(EndAllScript, [keys.Sessions(userId)]))!;
        return [.. values.Select(Parse).OfType<SessionRecord>()];
    }

    /// <summary>Once an ended session's token families are revoked, their list can go.</summary>
    public async Task ForgetAuthorizationsAsync(string userId, string sid) =>
        await redis.GetDatabase().KeyDeleteAsync(keys.SessionAuthorizations(userId, sid));

    private async Task SaveAsync(string userId, SessionRecord record)
    {
        var database = redis.GetDatabase();
        await database.HashSetAsync(keys.Sessions(userId), record.Sid, JsonSerializer.Serialize(record));
        // The hash outlives its longest session; expired fields are skipped on read and removed by ListAsync.
        await database.KeyExpireAsync(keys.Sessions(userId), KeyLifetime, ExpireWhen.GreaterThanCurrentExpiry);
        await database.KeyExpireAsync(keys.Sessions(userId), KeyLifetime, ExpireWhen.HasNoExpiry);
    }

    private static SessionRecord? Parse(RedisValue value)
    {
        try
        {
            return JsonSerializer.Deserialize<SessionRecord>(value.ToString());
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
