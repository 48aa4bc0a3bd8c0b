using System.Text.Json;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.Revocation;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Sessions;

/// <summary>One login session, as the user sees it in their session list.</summary>
public sealed record SessionRecord(string Sid, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt,
    string? IpAddress, string? UserAgent, IReadOnlyList<string> Clients);

/// <summary>
/// The login sessions of each user, in Redis so every instance sees the same ones. A session lives as long as a
/// refresh token issued in it could: each token issued in it pushes its expiry to now + refresh-token lifetime.
/// </summary>
public sealed class SessionStore(IConnectionMultiplexer redis, RedisKeys keys, IOptions<ServerSettings> settings, TimeProvider clock)
{
    private const int MaxUserAgentLength = 256;

    private TimeSpan Lifetime => settings.Value.RefreshTokenLifetime;

    public async Task CreateAsync(string userId, string sid, string? ipAddress, string? userAgent)
    {
        var now = clock.GetUtcNow();
        var record = new SessionRecord(sid, now, now, now + Lifetime, ipAddress,
            userAgent?.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent, []);
        await SaveAsync(userId, record);
    }

    // Atomically: only if the session still exists, remember the token family and store the updated record.
    // A session ended a moment ago (HDEL by the Revoker) is never brought back, and a family recorded here is
    // always seen by a Revoker that ends the session afterwards.
    private const string RecordIssuanceScript = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
        if ARGV[3] ~= '' then
          redis.call('SADD', KEYS[2], ARGV[3])
          redis.call('PEXPIRE', KEYS[2], ARGV[4])
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        """;

    /// <summary>Tokens are about to be issued in the session: remember the client and the token family, push the expiry.</summary>
    /// <returns>False when the session has ended: no tokens may be issued in it.</returns>
    public async Task<bool> RecordIssuanceAsync(string userId, string sid, string clientId, string? authorizationId)
    {
        if (await FindAsync(userId, sid) is not { } record)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var updated = record with
        {
            LastSeenAt = now,
            ExpiresAt = now + Lifetime,
            Clients = record.Clients.Contains(clientId) ? record.Clients : [.. record.Clients, clientId],
        };
        var result = await redis.GetDatabase().ScriptEvaluateAsync(RecordIssuanceScript,
            [keys.Sessions(userId), keys.SessionAuthorizations(userId, sid)],
            [sid, JsonSerializer.Serialize(updated), authorizationId ?? "", (long)Lifetime.TotalMilliseconds]);
        return (long)result == 1;
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

    /// <summary>The session is over: it is no longer listed, its cookie stops working, and no token is issued in it.</summary>
    public async Task EndAsync(string userId, string sid) =>
        await redis.GetDatabase().HashDeleteAsync(keys.Sessions(userId), sid);

    public async Task EndAllAsync(string userId) =>
        await redis.GetDatabase().KeyDeleteAsync(keys.Sessions(userId));

    /// <summary>Once an ended session's token families are revoked, their list can go.</summary>
    public async Task ForgetAuthorizationsAsync(string userId, string sid) =>
        await redis.GetDatabase().KeyDeleteAsync(keys.SessionAuthorizations(userId, sid));

    private async Task SaveAsync(string userId, SessionRecord record)
    {
        var database = redis.GetDatabase();
        await database.HashSetAsync(keys.Sessions(userId), record.Sid, JsonSerializer.Serialize(record));
        // The hash outlives its longest session; expired fields are skipped on read and removed by ListAsync.
        await database.KeyExpireAsync(keys.Sessions(userId), Lifetime, ExpireWhen.GreaterThanCurrentExpiry);
        await database.KeyExpireAsync(keys.Sessions(userId), Lifetime, ExpireWhen.HasNoExpiry);
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
