using System.Collections.Concurrent;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.RateLimiting;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// One instance's consumer of one topic, in the topic's consumer group. A message is acknowledged only once its
/// provider accepted it. A failed send is acknowledged and, in the same MULTI, either scheduled for another attempt
/// (exponential backoff, in the topic's retry set) or moved to the dead-letter stream with the reason. A message a
/// crashed or hung consumer left pending is claimed by another after <see cref="MessagingSettings.ClaimAfter"/>
/// (XAUTOCLAIM), so nothing is lost; a provider may then see it twice (same id). A live consumer renews the entries
/// it holds (<see cref="HeldEntries"/>), however long they wait for the quota, so they are not claimed. Sends are paced
/// by the topic's own distributed limit, and each topic runs on its own loop, so a slow or failing topic never holds
/// up another. Within a topic, sends are a pipeline: up to SendConcurrency in flight, the next starting as soon as a
/// slot frees, so one slow send holds up only its own slot (and, with <see cref="RecipientLanes"/>, one recipient
/// holds at most its own share of the slots).
/// </summary>
public sealed class TopicConsumer(MessageTopic topic, string consumerName, MessagingSettings settings, IConnectionMultiplexer redis,
    RedisKeys keys, DistributedRateLimiter limiter, MessageMetrics metrics, IServiceProvider services, TimeProvider clock, ILogger logger)
{
    public const string Group = "senders";

    private int BatchSize => Math.Max(10, settings.SendConcurrency * 2);
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);

    // Due retries go back on the stream as new entries (attempt already counted), oldest first, atomically.
    private static readonly LuaScript PromoteDueRetries = LuaScript.Prepare("""
        local due = redis.call('ZRANGEBYSCORE', @retries, '-inf', @now, 'LIMIT', 0, 100)
        for _, member in ipairs(due) do
            local m = cjson.decode(member)
            redis.call('XADD', @stream, 'MAXLEN', '~', @maxLength, '*', 'id', m.Id, 'kind', m.Kind, 'channel', m.Channel,
                'recipient', m.Recipient, 'subject', m.Subject, 'text', m.Text, 'attempt', m.Attempt)
            redis.call('ZREM', @retries, member)
        end
        return #due
        """);

    private RedisKey Stream => keys.MessageStream(topic.Name);

    // The topic's own retry settings where it has them.
    private int MaxAttempts => topic.MaxAttempts ?? settings.MaxAttempts;
    private TimeSpan RetryDelay => topic.RetryDelay ?? settings.RetryDelay;
    private TimeSpan MaxRetryDelay => topic.MaxRetryDelay ?? settings.MaxRetryDelay;
    private TimeSpan SendTimeout => topic.SendTimeout ?? settings.SendTimeout;

    // The topic's quota, from the topics table: the one place a segment is defined.
    private readonly RateLimitPolicy _quota = new()
    {
        PermitLimit = topic.PerMinute,
        Window = TimeSpan.FromMinutes(1),
        // A provider quota is a hard limit: without Redis to count, nothing is sent (the messages wait).
        WhenRedisUnavailable = RedisUnavailableBehavior.Reject,
    };

    // Every entry in hand, read or claimed, until it is done with; renewed for the consumer's lifetime.
    private readonly HeldEntries _held = new(redis.GetDatabase(), keys.MessageStream(topic.Name), Group, consumerName);
    private readonly SemaphoreSlim _slots = new(settings.SendConcurrency);
    private readonly ConcurrentDictionary<Task, bool> _sending = new();
    private readonly RecipientLanes _lanes = new(topic, limiter);

    // Released when a message is announced on the topic (QueuedMessages): an idle consumer reads at once. At most one
    // wake-up is kept, for an announcement that arrives while the consumer is reading.
    private readonly SemaphoreSlim _announced = new(0, 1);

    /// <summary>A message was queued on the topic: read now, not at the next poll.</summary>
    public void Wake()
    {
        try
        {
            _announced.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        // Well within ClaimAfter, so that no other instance sees the entries in hand as abandoned while they wait.
        var renewing = _held.RenewAsync(settings.ClaimAfter / 3, clock, logger, stopping);
        var ready = new Queue<StreamEntry>();
        var nextClaim = DateTimeOffset.MinValue;
        var nextPromotion = DateTimeOffset.MinValue;
        // Retries are due no finer than the retry delay: no need to look every idle poll (that doubled the idle load).
        var promotionInterval = RetryDelay < TimeSpan.FromSeconds(1) ? RetryDelay : TimeSpan.FromSeconds(1);
        var groupReady = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                groupReady = groupReady || await EnsureGroupAsync();
                if (clock.GetUtcNow() >= nextPromotion)
                {
                    await PromoteDueRetriesAsync();
                    nextPromotion = clock.GetUtcNow() + promotionInterval;
                }

                if (ready.Count == 0)
                {
                    if (clock.GetUtcNow() >= nextClaim)
                    {
                        Take(ready, await ClaimAbandonedAsync());
                        nextClaim = clock.GetUtcNow() + settings.ClaimAfter / 4;
                    }

                    if (ready.Count == 0)
                    {
                        Take(ready, await redis.GetDatabase().StreamReadGroupAsync(Stream, Group, consumerName, ">", BatchSize));
                    }

                    if (ready.Count == 0)
                    {
                        await _announced.WaitAsync(IdlePoll, stopping);
                        continue;
                    }
                }

                // A slot, or back to promote and claim meanwhile; the entries waiting for one are held (renewed).
                if (await _slots.WaitAsync(promotionInterval, stopping))
                {
                    Start(ready.Dequeue(), stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                // Redis unavailable, or NOGROUP (the stream was deleted: the group is made again), or a bug: this
                // topic's loop must outlive it. What is in hand stays pending, and is claimed again later if need be.
                groupReady = false;
                logger.LogWarning(exception, "Topic {Topic}: consuming failed; again in a second.", topic.Name);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        // Whatever was being sent, or waiting for a slot, stays pending, for another consumer to claim.
        await Task.WhenAll(_sending.Keys);
        await renewing;
    }

    private void Take(Queue<StreamEntry> ready, StreamEntry[] entries)
    {
        // An entry still in hand (its renewal failed for ClaimAfter, so this consumer claimed it back) is not taken twice.
        foreach (var entry in entries.Where(entry => _held.Add(entry.Id)))
        {
            ready.Enqueue(entry);
        }
    }

    private void Start(StreamEntry entry, CancellationToken stopping)
    {
        var sending = Task.Run(async () =>
        {
            try
            {
                await ProcessAsync(entry, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopping: left pending, for another consumer to claim.
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Topic {Topic}: message entry {EntryId} could not be handled; left pending, to be claimed after ClaimAfter.",
                    topic.Name, entry.Id);
            }
            finally
            {
                _held.Release(entry.Id);
                _slots.Release();
            }
        }, CancellationToken.None);
        _sending.TryAdd(sending, true);
        _ = sending.ContinueWith(done => _sending.TryRemove(done, out _), TaskScheduler.Default);
    }

    private async Task<bool> EnsureGroupAsync()
    {
        try
        {
            await redis.GetDatabase().StreamCreateConsumerGroupAsync(Stream, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Made by another instance, or by us before a reconnect.
        }

        return true;
    }

    private async Task PromoteDueRetriesAsync() =>
        await PromoteDueRetries.EvaluateAsync(redis.GetDatabase(), new
        {
            retries = keys.MessageRetries(topic.Name),
            stream = Stream,
            now = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            maxLength = settings.StreamMaxLength,
        });

    private async Task<StreamEntry[]> ClaimAbandonedAsync()
    {
        var claimed = await redis.GetDatabase().StreamAutoClaimAsync(Stream, Group, consumerName,
            (long)settings.ClaimAfter.TotalMilliseconds, "0-0", BatchSize);
        if (claimed.DeletedIds.Length > 0)
        {
            // Trimmed from the stream while pending: nothing left to send.
            await redis.GetDatabase().StreamAcknowledgeAsync(Stream, Group, claimed.DeletedIds);
        }

        if (claimed.ClaimedEntries.Length == 0)
        {
            return [];
        }

        logger.LogWarning("Topic {Topic}: claimed {Count} message(s) another consumer left unacknowledged.",
            topic.Name, claimed.ClaimedEntries.Length);
        return await WithoutPoisonAsync(claimed.ClaimedEntries);
    }

    /// <summary>
    /// A message whose send kills or hangs every consumer that takes it would otherwise be claimed forever, taking a
    /// consumer down each time: past <see cref="MessagingSettings.MaxDeliveries"/> handovers (Redis counts them) it
    /// goes to the dead letters unsent.
    /// </summary>
    private async Task<StreamEntry[]> WithoutPoisonAsync(StreamEntry[] claimed)
    {
        var pending = await redis.GetDatabase().StreamPendingMessagesAsync(Stream, Group, claimed.Length, consumerName,
            minId: claimed[0].Id, maxId: claimed[^1].Id);
        var deliveries = pending.ToDictionary(info => info.MessageId.ToString(), info => info.DeliveryCount);
        var healthy = new List<StreamEntry>(claimed.Length);
        foreach (var entry in claimed)
        {
            var count = deliveries.GetValueOrDefault(entry.Id.ToString());
            if (count > settings.MaxDeliveries)
            {
                await DeadLetterAsync(entry.Id, [.. entry.Values], MessageEntry.From(entry)?.Kind,
                    $"handed to a consumer {count} times, never acknowledged: each consumer crashed or hung while sending it");
            }
            else
            {
                healthy.Add(entry);
            }
        }

        return [.. healthy];
    }

    private async Task ProcessAsync(StreamEntry entry, CancellationToken stopping)
    {
        if (MessageEntry.From(entry) is not { } message)
        {
            await DeadLetterAsync(entry.Id, [.. entry.Values], kind: null, "not a message (fields missing)");
            return;
        }

        if (services.GetKeyedService<IMessageProvider>(message.Channel) is not { } provider)
        {
            await DeadLetterAsync(entry.Id, message.ToFields(), message.Kind, $"no provider for channel \"{message.Channel}\"");
            return;
        }

        // A recipient at its limit: the message goes back to the retry set for a moment rather than wait here, as
        // waiting would hold a send slot (one busy recipient would fill them all again) or keep ever more entries in
        // hand. In Redis it is durable, and any instance (whose lane may be free) takes it when due.
        if (await _lanes.TryEnterAsync(message.Recipient, stopping) is { } deferral)
        {
            if (!_held.IsLost(entry.Id))
            {
                await DeferAsync(entry.Id, message, deferral.Reason, deferral.Delay);
            }

            return;
        }

        try
        {
            await SendAsync(entry.Id, message, provider, stopping);
        }
        finally
        {
            _lanes.Leave(message.Recipient);
        }
    }

    private async Task SendAsync(RedisValue entryId, MessageEntry message, IMessageProvider provider, CancellationToken stopping)
    {
        await WaitForPermitAsync(stopping);
        if (_held.IsLost(entryId))
        {
            // Claimed by another consumer, which sends it.
            return;
        }

        string text;
        try
        {
            text = services.GetRequiredService<MessageSealing>().Open(message);
        }
        catch (System.Security.Cryptography.CryptographicException exception)
        {
            await DeadLetterAsync(entryId, message.ToFields(), message.Kind, $"its text cannot be opened: {exception.Message}");
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(SendTimeout);
        try
        {
            await provider.SendAsync(message.ToDelivered(topic.Name, text), timeout.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (MessageNotAcceptedException exception) when (exception.Permanent)
        {
            metrics.Failed(topic.Name, message.Kind);
            await DeadLetterAsync(entryId, message.ToFields(), message.Kind, $"refused for good on attempt {message.Attempt}: {exception.Message}");
            return;
        }
        catch (Exception exception)
        {
            metrics.Failed(topic.Name, message.Kind);
            await FailAsync(entryId, message, exception is OperationCanceledException
                ? $"no answer within {SendTimeout}"
                : $"{exception.GetType().Name}: {exception.Message}");
            return;
        }

        metrics.Sent(topic.Name, message.Kind, message.Id, clock.GetUtcNow());
        await redis.GetDatabase().StreamAcknowledgeAsync(Stream, Group, entryId);
        logger.LogInformation("Message {MessageId} ({Kind}) sent on {Topic}, attempt {Attempt}.",
            message.Id, message.Kind, topic.Name, message.Attempt);
    }

    // The topic's quota, shared by every instance's consumer of it.
    private async Task WaitForPermitAsync(CancellationToken stopping)
    {
        while (true)
        {
            var decision = await limiter.AcquireAsync($"messages.{topic.Name}", _quota, "send", stopping);
            if (decision.Allowed)
            {
                return;
            }

            await Task.Delay(decision.RetryAfter > TimeSpan.FromMilliseconds(20) ? decision.RetryAfter : TimeSpan.FromMilliseconds(20), clock, stopping);
        }
    }

    private async Task FailAsync(RedisValue entryId, MessageEntry message, string reason)
    {
        if (message.Attempt >= MaxAttempts)
        {
            await DeadLetterAsync(entryId, message.ToFields(), message.Kind, $"gave up after {message.Attempt} attempt(s): {reason}");
            return;
        }

        var delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, RetryDelay.Ticks * (1L << Math.Min(message.Attempt - 1, 20))));
        await RescheduleAsync(entryId, message with { Attempt = message.Attempt + 1 }, delay);
        logger.LogWarning("Message {MessageId} ({Kind}) on {Topic} failed, attempt {Attempt}; next in {Delay}: {Reason}",
            message.Id, message.Kind, topic.Name, message.Attempt, delay, reason);
    }

    // Not an attempt: the same Attempt comes back, so a deferral never leads to the dead letters.
    private async Task DeferAsync(RedisValue entryId, MessageEntry message, string reason, TimeSpan delay)
    {
        await RescheduleAsync(entryId, message, delay);
        metrics.Deferred(topic.Name, reason);
        logger.LogDebug("Message {MessageId} ({Kind}) on {Topic} deferred for {Delay}: its recipient is at its {Reason} limit.",
            message.Id, message.Kind, topic.Name, delay, reason);
    }

    // Acknowledged and in the retry set in one MULTI: never both pending and scheduled, never neither.
    private async Task RescheduleAsync(RedisValue entryId, MessageEntry message, TimeSpan delay)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.StreamAcknowledgeAsync(Stream, Group, entryId);
        _ = transaction.SortedSetAddAsync(keys.MessageRetries(topic.Name), message.ToJson(), (clock.GetUtcNow() + delay).ToUnixTimeMilliseconds());
        await transaction.ExecuteAsync();
    }

    private async Task DeadLetterAsync(RedisValue entryId, NameValueEntry[] fields, string? kind, string reason)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.StreamAcknowledgeAsync(Stream, Group, entryId);
        _ = transaction.StreamAddAsync(keys.MessageDeadLetters(topic.Name),
            [.. fields, new("reason", reason), new("failedAt", clock.GetUtcNow().ToString("O"))],
            maxLength: settings.StreamMaxLength, useApproximateMaxLength: true);
        await transaction.ExecuteAsync();
        metrics.DeadLettered(topic.Name, kind);
        logger.LogError("Message {EntryId} on {Topic} moved to the dead letters: {Reason}", entryId, topic.Name, reason);
    }
}
