using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.RateLimiting;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// This instance's consumers: one loop per topic, the configured ones and the features' dedicated ones, all in the
/// topics' shared consumer groups.
/// </summary>
public sealed class MessageConsumers(IOptions<MessagingSettings> settings, IEnumerable<DedicatedTopic> dedicated,
    IConnectionMultiplexer redis, RedisKeys keys, DistributedRateLimiter limiter, MessageMetrics metrics, QueuedMessages queued,
    IServiceProvider services, TimeProvider clock, ILoggerFactory loggers) : BackgroundService
{
    /// <summary>Unique per process start: a restarted process does not inherit (and never acknowledges) its old pending list.</summary>
    public string ConsumerName { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = settings.Value;
        if (!options.ConsumersEnabled)
        {
            return Task.CompletedTask;
        }

        var logger = loggers.CreateLogger<TopicConsumer>();
        // Names are unique across both (DedicatedTopicsValidation, at start).
        var consumers = options.AllTopics.Concat(dedicated.Select(registered => registered.Topic)).ToDictionary(topic => topic.Name,
            topic => new TopicConsumer(topic, ConsumerName, options, redis, keys, limiter, metrics, services, clock, logger), StringComparer.Ordinal);
        return Task.WhenAll([
            ListenAsync(consumers, logger),
            .. consumers.Values.Select(consumer => Task.Run(() => consumer.RunAsync(stoppingToken), CancellationToken.None))]);
    }

    // Without the announcements (Redis down at start), the consumers still poll; StackExchange.Redis subscribes again
    // by itself after a reconnect.
    private async Task ListenAsync(IReadOnlyDictionary<string, TopicConsumer> consumers, ILogger logger)
    {
        try
        {
            await queued.ListenAsync(topic =>
            {
                if (consumers.TryGetValue(topic, out var consumer))
                {
                    consumer.Wake();
                }
            });
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning(exception, "Message announcements unavailable; the topics' consumers poll.");
        }
    }
}
