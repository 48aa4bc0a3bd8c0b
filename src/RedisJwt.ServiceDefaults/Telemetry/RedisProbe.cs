using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults.Telemetry;

/// <summary>
/// Measures a PING round trip every <see cref="TelemetrySettings.RedisProbeInterval"/>: Redis latency as the
/// service sees it, whether or not traffic happens to exercise Redis at that moment (the rate limiter's own timings,
/// recorded per request, show it under load).
/// </summary>
public sealed class RedisProbe(IConnectionMultiplexer redis, RedisMetrics metrics, IOptions<TelemetrySettings> settings,
    TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Value.RedisProbeInterval, clock);
        do
        {
            // While disconnected a PING would only wait in the backlog; the connected gauge says it already.
            if (!redis.IsConnected)
            {
                continue;
            }

            try
            {
                metrics.RedisOperation("ping", await redis.GetDatabase().PingAsync());
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // Not a measurement: the health check and the connected gauge report an unreachable Redis.
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
