using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Telemetry;

/// <summary>
/// The gauge redisjwt.sessions.active: sessions stored in Redis, all users together. Sessions live in one hash per
/// user, so counting them takes a SCAN of those keys (HLEN each, pipelined). That runs in the background at most once
/// every Telemetry:ActiveSessionsInterval, started by a scrape: a scrape returns the last count at once, never waits
/// for it, and an instance nobody scrapes never scans. The count includes sessions that expired without being ended
/// until their user's hash is next read or expires. A hosted service only so that the gauge exists from the start.
/// </summary>
public sealed partial class ActiveSessions(IConnectionMultiplexer redis, RedisKeys keys, IOptions<IdentityTelemetrySettings> settings,
    TimeProvider clock, IMeterFactory meters, ILogger<ActiveSessions> logger) : IHostedService
{
    private const int PageSize = 1_000;

    private long _count = -1;
    private long _countedAt;
    private int _counting;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        meters.Create(AuthEvents.MeterName).CreateObservableGauge("redisjwt.sessions.active", Observe, unit: "{session}",
            description: "Sign-in sessions stored in Redis (all users; recounted at most every Telemetry:ActiveSessionsInterval).");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<long>> Observe()
    {
        var countedAt = Interlocked.Read(ref _countedAt);
        if ((countedAt == 0 || clock.GetElapsedTime(countedAt) >= settings.Value.ActiveSessionsInterval)
            && Interlocked.CompareExchange(ref _counting, 1, 0) == 0)
        {
            _ = Task.Run(CountAsync);
        }

        var count = Interlocked.Read(ref _count);
        return count < 0 ? [] : [new Measurement<long>(count)];
    }

    /// <summary>Counts now; the next scrape reports it.</summary>
    internal async Task CountAsync()
    {
        try
        {
            var pattern = keys.Sessions("*").ToString();
            var database = redis.GetDatabase();
            long total = 0;
            // Every primary: on a cluster, each holds a share of the keys.
            foreach (var server in redis.GetServers().Where(server => server.IsConnected && !server.IsReplica))
            {
                var page = new List<Task<long>>(PageSize);
                await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: PageSize))
                {
                    page.Add(database.HashLengthAsync(key));
                    if (page.Count == PageSize)
                    {
                        total += (await Task.WhenAll(page)).Sum();
                        page.Clear();
                    }
                }

                total += (await Task.WhenAll(page)).Sum();
            }

            Interlocked.Exchange(ref _count, total);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The last count stands; the connected gauge and readiness say Redis is gone.
            LogCountFailed(logger, exception.Message);
        }
        finally
        {
            Interlocked.Exchange(ref _countedAt, clock.GetTimestamp());
            Interlocked.Exchange(ref _counting, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Active sessions not counted: {Reason}")]
    private static partial void LogCountFailed(ILogger logger, string reason);
}
