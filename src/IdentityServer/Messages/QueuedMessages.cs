using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// Says on Redis that a topic has a new message, so that its consumers at every instance read it now instead of at
/// their next poll. Only a wake-up: a lost announcement costs the poll interval, never the message. Used where the
/// wait matters (a back-channel logout); an email is not worth every instance hearing of it (bench/messages.sh: it
/// cost the consumers about a tenth of a millisecond per message).
/// </summary>
public sealed class QueuedMessages(IConnectionMultiplexer redis, RedisKeys keys)
{
    public Task AnnounceAsync(string topic) =>
        redis.GetSubscriber().PublishAsync(keys.MessagesQueuedChannel, topic, CommandFlags.FireAndForget);

    /// <summary>Calls <paramref name="queued"/> with each announced topic; the subscription is renewed on reconnect.</summary>
    public Task ListenAsync(Action<string> queued) =>
        redis.GetSubscriber().SubscribeAsync(keys.MessagesQueuedChannel, (_, topic) =>
        {
            if (topic.HasValue)
            {
                queued(topic.ToString());
            }
        });
}
