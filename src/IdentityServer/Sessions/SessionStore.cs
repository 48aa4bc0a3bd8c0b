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

    /// <summary>Tokens were issued in the session: remember the client and the token family, push the expiry.</summary>
    public async Task RecordIssuanceAsync(string userId, string sid, string clientId, string? authorizationId)
    {
        var database = redis.GetDatabase();
        if (authorizationId is not null)
        {
            await database.SetAddAsync(keys.SessionAuthorizations(sid), authorizationId);
            await database.KeyExpireAsync(keys.SessionAuthorizations(sid), Lifetime);
        }

        // A session ended meanwhile stays ended: its tokens are revoked, and it is not brought back.
        if (await FindAsync(userId, sid) is not { } record)
        {
            return;
        }

        var now = clock.GetUtcNow();
        await SaveAsync(userId, record with
        {
            LastSeenAt = now,
            ExpiresAt = now + Lifetime,
            Clients = record.Clients.Contains(clientId) ? record.Clients : [.. record.Clients, clientId],
        });
    }

    public async Task<SessionRecord?> FindAsync(string userId, string sid)
    {
        var value = await redis.GetDatabase().HashGetAsync(keys.Sessions(userId), sid);
        return value.HasValue && Parse(value) is { } record && record.ExpiresAt > clock.GetUtcNow() ? record : null;
    }

    public async Task<IReadOnlyList<SessionRecord>> ListAsync(string userId)
    {
        var now = clock.GetUtcNow();
        var entries = await redis.GetDatabase().HashGetAllAsync(keys.Sessions(userId));
        return [.. entries.Select(entry => Parse(entry.Value)).OfType<SessionRecord>()
            .Where(record => record.ExpiresAt > now).OrderByDescending(record => record.LastSeenAt)];
    }

    public async Task<IReadOnlyList<string>> AuthorizationsAsync(string sid) =>
        [.. (await redis.GetDatabase().SetMembersAsync(keys.SessionAuthorizations(sid))).Select(member => member.ToString())];

    public async Task RemoveAsync(string userId, string sid)
    {
        var database = redis.GetDatabase();
        await database.HashDeleteAsync(keys.Sessions(userId), sid);
        await database.KeyDeleteAsync(keys.SessionAuthorizations(sid));
    }

    public async Task RemoveAllAsync(string userId)
    {
        var database = redis.GetDatabase();
        foreach (var sid in await database.HashKeysAsync(keys.Sessions(userId)))
        {
            await database.KeyDeleteAsync(keys.SessionAuthorizations(sid.ToString()));
        }

        await database.KeyDeleteAsync(keys.Sessions(userId));
    }

    private async Task SaveAsync(string userId, SessionRecord record)
    {
        var database = redis.GetDatabase();
        await database.HashSetAsync(keys.Sessions(userId), record.Sid, JsonSerializer.Serialize(record));
        // The hash outlives its longest session; expired fields are skipped on read and overwritten or removed later.
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
