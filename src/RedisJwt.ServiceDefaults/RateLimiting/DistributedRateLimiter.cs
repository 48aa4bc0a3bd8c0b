using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults.Telemetry;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults.RateLimiting;

/// <summary>
/// Rate limits that hold across all instances together: each decision is one Lua script on one Redis key (so it is
/// atomic, and safe on Redis Cluster), implementing GCRA, the token bucket without a refill timer. The key holds GCRA's
/// "theoretical arrival time": when it has passed, the bucket is full again and the key expires. Redis server time is
/// used, so the instances' clocks do not matter (TIME before a write needs effects replication, Redis 5 and later).
/// </summary>
public sealed class DistributedRateLimiter(IConnectionMultiplexer redis, RedisKeys keys,
    IOptionsMonitor<RateLimitPolicy> policies, IOptions<DeclaredRateLimitPolicies> declared, TimeProvider clock,
    RedisMetrics metrics, ILogger<DistributedRateLimiter> logger)
{
    /// <summary>What a client is told to wait when a fail-closed policy cannot reach Redis.</summary>
    public static readonly TimeSpan UnavailableRetryAfter = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(10);

    /// <summary>After a failed call, how long Redis is taken as unavailable without asking it again.</summary>
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(1);

    // KEYS[1]: the bucket. ARGV[1]: microseconds between permits; ARGV[2]: the permit limit.
    // Returns {1, 0} when allowed, {0, microseconds until the next permit} when not. A refusal writes nothing, so
    // hammering a full bucket does not push the next permit further away. '%.0f' because Lua's default number
    // format keeps 14 digits, too few for Unix microseconds.
    private const string Script = """
        local interval = tonumber(ARGV[1])
        local burst = interval * tonumber(ARGV[2])
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local tat = tonumber(redis.call('GET', KEYS[1])) or now
        if tat < now then tat = now end
        local wait = tat + interval - burst - now
        if wait > 0 then return {0, wait} end
        tat = tat + interval
        redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
        return {1, 0}
        """;

    private readonly ConcurrentDictionary<string, long> _lastWarnings = new();
    private long _failedAt;

    /// <summary>Takes one permit from <paramref name="partitionKey"/>'s bucket of <paramref name="policy"/>.</summary>
    /// <exception cref="InvalidOperationException">The policy was never declared.</exception>
    public Task<RateLimitDecision> AcquireAsync(string policy, string partitionKey, CancellationToken cancellationToken = default) =>
        AcquireAsync(policy, GetPolicy(policy), partitionKey, cancellationToken);

    /// <summary>
    /// The same with settings the caller holds, for limits defined elsewhere than <c>RateLimits:Policies</c> (e.g.
    /// one per message topic, from the topics' own table). <paramref name="settings"/> must be valid.
    /// </summary>
    public async Task<RateLimitDecision> AcquireAsync(string policy, RateLimitPolicy settings, string partitionKey,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(settings);

        // While disconnected, commands would wait in the client's backlog for the whole timeout: decide at once. The
        // same just after a failure, so that a connection dropped silently (still "connected" until the keep-alive
        // notices) does not cost every request a timeout, which would make failing open barely open.
        if (!redis.IsConnected)
        {
            return Unavailable(policy, settings, "not connected");
        }

        var failedAt = Interlocked.Read(ref _failedAt);
        if (failedAt != 0 && clock.GetElapsedTime(failedAt) < FailureBackoff)
        {
            return Unavailable(policy, settings, "a call failed within the last second");
        }

        try
        {
            var started = clock.GetTimestamp();
            var result = (RedisResult[])(await redis.GetDatabase()
                .ScriptEvaluateAsync(Script, [keys.RateLimit(policy, partitionKey)],
                    [settings.EmissionIntervalMicroseconds, settings.PermitLimit])
                .WaitAsync(cancellationToken))!;
            metrics.RedisOperation("rate_limit", clock.GetElapsedTime(started));
            if ((long)result[0] == 1)
            {
                return new RateLimitDecision(true, TimeSpan.Zero, false);
            }

            metrics.RateLimitRejected(policy, redisUnavailable: false);
            return new RateLimitDecision(false, TimeSpan.FromTicks((long)result[1] * TimeSpan.TicksPerMicrosecond), false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Interlocked.Exchange(ref _failedAt, clock.GetTimestamp());
            return Unavailable(policy, settings, exception.Message);
        }
    }

    /// <summary>A declared policy's current settings.</summary>
    /// <exception cref="InvalidOperationException">The policy was never declared.</exception>
    public RateLimitPolicy GetPolicy(string policy)
    {
        // Undeclared, the named options would silently be all zeros (and unvalidated).
        if (!declared.Value.Names.Contains(policy))
        {
            throw new InvalidOperationException(
                $"Rate limit policy '{policy}' is not declared: call AddRateLimitPolicy(\"{policy}\", ...) (or AddDistributedRateLimits(\"{policy}\")) and configure {RateLimitPolicy.Section}:{policy}.");
        }

        return policies.Get(policy);
    }

    private RateLimitDecision Unavailable(string policy, RateLimitPolicy settings, string reason)
    {
        var allow = settings.WhenRedisUnavailable == RedisUnavailableBehavior.Allow;

        // Once per policy every 10 s at Warning, without a stack trace: an outage must not flood the log per request.
        var now = clock.GetTimestamp();
        var last = _lastWarnings.GetOrAdd(policy, 0);
        if ((last == 0 || clock.GetElapsedTime(last, now) >= WarningInterval) && _lastWarnings.TryUpdate(policy, now, last))
        {
            logger.LogWarning("Rate limit {Policy} cannot be checked, Redis is unavailable ({Reason}); requests are {Outcome} meanwhile.",
                policy, reason, allow ? "allowed uncounted" : "refused");
        }
        else
        {
            logger.LogDebug("Rate limit {Policy} not checked: Redis is unavailable ({Reason}).", policy, reason);
        }

        if (allow)
        {
            return new RateLimitDecision(true, TimeSpan.Zero, true);
        }

        metrics.RateLimitRejected(policy, redisUnavailable: true);
        return new RateLimitDecision(false, UnavailableRetryAfter, true);
    }
}

/// <summary>The names of the policies a service declared; only these may be used.</summary>
public sealed class DeclaredRateLimitPolicies
{
    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);
}
