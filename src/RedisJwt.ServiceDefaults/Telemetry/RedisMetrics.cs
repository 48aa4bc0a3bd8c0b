using System.Diagnostics.Metrics;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults.Telemetry;

/// <summary>
/// The service defaults' instruments (meter <c>RedisJwt.ServiceDefaults</c>), the same in every service: the Redis
/// connection, Redis round trips, and rate-limit refusals.
/// </summary>
public sealed class RedisMetrics
{
    public const string MeterName = "RedisJwt.ServiceDefaults";

    // Redis answers in well under a millisecond on a LAN; the default buckets (5 ms and up) would lump it all together.
    private static readonly double[] LatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Counter<long> _rateLimitRejections;
    private readonly Histogram<double> _operationDuration;

    public RedisMetrics(IMeterFactory meters, IConnectionMultiplexer redis)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("redisjwt.redis.connected", () => redis.IsConnected ? 1 : 0, unit: "{connection}",
            description: "1 while the service has a working connection to Redis, 0 while it is reconnecting.");
        _operationDuration = meter.CreateHistogram("redisjwt.redis.operation.duration", unit: "s",
            description: "Round trip of the service's own Redis calls, by operation (ping: the periodic probe; rate_limit: one decision).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _rateLimitRejections = meter.CreateCounter<long>("redisjwt.ratelimit.rejections", unit: "{request}",
            description: "Permits refused by a distributed rate limit (requests; message sends for the messages.* topic quotas), by policy and reason (limit: over the limit; redis_unavailable: a fail-closed policy could not reach Redis).");
    }

    public void RedisOperation(string operation, TimeSpan elapsed) =>
        _operationDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("operation", operation));

    public void RateLimitRejected(string policy, bool redisUnavailable) =>
        _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("policy", policy),
            new KeyValuePair<string, object?>("reason", redisUnavailable ? "redis_unavailable" : "limit"));
}
