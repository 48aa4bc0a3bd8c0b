using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.DeviceFlow;

/// <summary>
/// Each device code's polls, in Redis so every instance sees the same pace: when the last came, and the interval the
/// device must keep, which grows by 5 seconds at each slow_down (RFC 8628 3.5).
/// </summary>
public sealed class DevicePolls(IConnectionMultiplexer redis, RedisKeys keys, IOptions<ServerSettings> settings, TimeProvider clock)
{
    /// <summary>RFC 8628 3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests".</summary>
    public static readonly TimeSpan SlowDownStep = TimeSpan.FromSeconds(5);

    // KEYS[1]: the code's polls. ARGV: now, the starting interval, the step, the key's lifetime (all milliseconds).
    // A poll that comes more than a fifth of the interval early (network delays vary) is too soon: the interval grows.
    // Returns the interval now in force when too soon, 0 when not.
    private const string Script = """
        local now = tonumber(ARGV[1])
        local interval = tonumber(redis.call('HGET', KEYS[1], 'interval')) or tonumber(ARGV[2])
        local last = tonumber(redis.call('HGET', KEYS[1], 'last'))
        local early = last ~= nil and now - last < interval - interval / 5
        if early then interval = interval + tonumber(ARGV[3]) end
        redis.call('HSET', KEYS[1], 'last', ARGV[1], 'interval', interval)
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        if early then return interval end
        return 0
        """;

    /// <summary>Records a poll of the device code <paramref name="deviceCodeId"/> (its token id).</summary>
    /// <returns>The interval the device must now keep when it polled too soon; null when it kept its pace.</returns>
    /// <exception cref="RedisException">Redis cannot be reached.</exception>
    public async Task<TimeSpan?> TooSoonAsync(string deviceCodeId)
    {
        var value = settings.Value;
        var result = (long)await redis.GetDatabase().ScriptEvaluateAsync(Script, [keys.DevicePolls(deviceCodeId)],
        [
            clock.GetUtcNow().ToUnixTimeMilliseconds(), (long)value.DevicePollingInterval.TotalMilliseconds,
            (long)SlowDownStep.TotalMilliseconds, (long)value.DeviceCodeLifetime.TotalMilliseconds,
        ]);
        return result > 0 ? TimeSpan.FromMilliseconds(result) : null;
    }
}
