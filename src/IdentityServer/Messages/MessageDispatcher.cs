using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// Takes the message's dedup lock (SET NX with the kind's lock time), then adds it to its segment's stream. Of any
/// number of instances asking at once, exactly one gets the lock and enqueues; the others log a duplicate.
/// </summary>
public sealed class MessageDispatcher(IConnectionMultiplexer redis, RedisKeys keys, IOptions<MessagingSettings> settings,
    MessageSealing sealing, TimeProvider clock, ILogger<MessageDispatcher> logger) : IMessageDispatcher
{
    public async Task<DispatchResult> DispatchAsync(OutgoingMessage message, CancellationToken cancellationToken = default)
    {
        var options = settings.Value;
        var topic = TopicRouting.Route(options, message.BirthDate, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)).Name;
        var entry = MessageEntry.New(message);
        entry = entry with { Text = sealing.Seal(entry) };
        var database = redis.GetDatabase();
        var lockKey = keys.MessageLock(message.Channel, message.Recipient, message.Kind);

        if (!await database.StringSetAsync(lockKey, entry.Id, options.LockTimeOf(message.Kind), When.NotExists))
        {
            logger.LogInformation("Message {Kind} over {Channel} to user {UserId} skipped: a duplicate within the lock time.",
                message.Kind, message.Channel, message.UserId);
            return new DispatchResult(DispatchOutcome.Duplicate, topic);
        }

        try
        {
            var streamId = await database.StreamAddAsync(keys.MessageStream(topic), entry.ToFields(),
                maxLength: options.StreamMaxLength, useApproximateMaxLength: true);
            logger.LogInformation("Message {MessageId} ({Kind} over {Channel}, user {UserId}) queued on {Topic}.",
                entry.Id, message.Kind, message.Channel, message.UserId, topic);
            return new DispatchResult(DispatchOutcome.Enqueued, topic, streamId.ToString());
        }
        catch
        {
            // Not queued: release the lock so that the caller's retry is not taken for a duplicate.
            await database.KeyDeleteAsync(lockKey, CommandFlags.FireAndForget);
            throw;
        }
    }
}
