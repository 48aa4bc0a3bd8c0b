using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RedisJwt.Testing;

/// <summary>
/// Services on the tests' Redis Cluster (<see cref="TestServers.RedisCluster"/>), watched for what a cluster refuses:
/// a command, MULTI or script whose keys lie in more than one hash slot. Such a failure is often only logged (a
/// message consumer's loop, HybridCache's second level), so the services' logs are read as well as the nodes' error
/// counts; <see cref="AssertNoSlotErrorsAsync"/> fails the test on either.
/// </summary>
public sealed partial class ClusterWatch : ILoggerProvider
{
    // Redis's own error, StackExchange.Redis's check before sending, and a script touching a key it was not given.
    private static readonly string[] SlotErrors = ["CROSSSLOT", "must involve a single slot", "non local key"];

    private readonly ConcurrentQueue<string> _errors = new();
    private long _crossSlotBefore = -1;

    /// <summary>The settings that put a service on the cluster, as its own Redis user.</summary>
    public static Dictionary<string, string?> Settings(Service service, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? new Dictionary<string, string?>())
        {
            ["ConnectionStrings:Redis"] = TestServers.RedisClusterAs(service),
        };
        return settings;
    }

    /// <summary>Adds this watch to a service's loggers.</summary>
    public void Watch(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(this);

    /// <summary>Checks that the cluster has several masters, and notes its CROSSSLOT count so far.</summary>
    public async Task StartAsync()
    {
        await using var redis = await ConnectAsync();
        var masters = redis.GetServers().Count(server => server.IsConnected && !server.IsReplica);
        Assert.True(masters >= 2 && redis.GetServers().All(server => server.ServerType == ServerType.Cluster),
            $"{TestServers.RedisCluster} is not a Redis Cluster with several masters ({masters} connected)");
        _crossSlotBefore = await CrossSlotErrorsAsync(redis);
    }

    /// <summary>Fails on any hash-slot error since the last call (or <see cref="StartAsync"/>), so each test answers for its own.</summary>
    public async Task AssertNoSlotErrorsAsync()
    {
        var logged = new List<string>();
        while (_errors.TryDequeue(out var error))
        {
            logged.Add(error);
        }

        await using var redis = await ConnectAsync();
        var (before, now) = (_crossSlotBefore, _crossSlotBefore = await CrossSlotErrorsAsync(redis));
        Assert.True(logged.Count == 0, $"The services logged a hash-slot error:\n{string.Join("\n", logged)}");
        Assert.True(now == before, $"The cluster's masters refused {now - before} command(s) with CROSSSLOT.");
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    // Admin: INFO is refused otherwise.
    private static Task<ConnectionMultiplexer> ConnectAsync() =>
        ConnectionMultiplexer.ConnectAsync($"{TestServers.RedisCluster},allowAdmin=true");

    // Every master's count of commands refused with CROSSSLOT since it started (INFO errorstats).
    private static async Task<long> CrossSlotErrorsAsync(ConnectionMultiplexer redis)
    {
        long total = 0;
        foreach (var server in redis.GetServers().Where(server => !server.IsReplica))
        {
            var match = CrossSlotCount().Match(await server.InfoRawAsync("errorstats") ?? "");
            total += match.Success ? long.Parse(match.Groups[1].Value) : 0;
        }

        return total;
    }

    [GeneratedRegex(@"errorstat_CROSSSLOT:count=(\d+)")]
    private static partial Regex CrossSlotCount();

    private sealed class Recorder(ClusterWatch watch, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var text = $"{formatter(state, exception)} {exception}";
            if (SlotErrors.Any(error => text.Contains(error, StringComparison.OrdinalIgnoreCase)))
            {
                watch._errors.Enqueue($"{logLevel} {category}: {text}");
            }
        }
    }
}
