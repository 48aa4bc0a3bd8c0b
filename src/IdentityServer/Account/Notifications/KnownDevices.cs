using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Account.Notifications;

/// <summary>
/// The devices each user signed in from, for "new sign-in" alerts: a device is a hash of the user agent and the
/// client network (IPv4 address or IPv6 /64), kept in a Redis set per user that lives
/// <see cref="AccountSettings.KnownDeviceLifetime"/> after the last sign-in. Only hashes are stored.
/// </summary>
public sealed class KnownDevices(IConnectionMultiplexer redis, RedisKeys keys, IOptions<AccountSettings> settings)
{
    // New to a user who has known devices: an account's first sign-in (none known yet) is no news to its owner.
    private const string RememberScript = """
        local known = redis.call('SCARD', KEYS[1])
        local added = redis.call('SADD', KEYS[1], ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        if added == 1 and known > 0 then return 1 end
        return 0
        """;

    /// <returns>True when the user has signed in before, but never from this device.</returns>
    public async Task<bool> RememberAsync(string userId, HttpContext http)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(RememberScript,
            [keys.KnownDevices(userId)],
            [DeviceId(http), (long)settings.Value.KnownDeviceLifetime.TotalMilliseconds]);
        return (long)result == 1;
    }

    public static string DeviceId(HttpContext http)
    {
        var device = $"{http.Request.Headers.UserAgent}\n{IdentityRateLimits.ClientIp(http)}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(device)));
    }
}
