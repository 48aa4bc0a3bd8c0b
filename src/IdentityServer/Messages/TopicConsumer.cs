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
/// it holds (<see cref="HeldEntries"/>), however long they wait for the quota, so they are not claimed. Sends are paced by the topic's own
/// distributed limit, and each topic runs on its own loop, so a slow or failing topic never holds up another.
/// </summary>
public sealed class TopicConsumer(MessageTopic topic, string consumerName, MessagingSettings settings, IConnectionMultiplexer redis,
    RedisKeys keys, DistributedRateLimiter limiter, IServiceProvider services, TimeProvider clock, ILogger logger)
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

    // The topic's quota, from the topics table: the one place a segment is defined.
    private readonly RateLimitPolicy _quota = new()
    {
        PermitLimit = topic.PerMinute,
        Window = TimeSpan.FromMinutes(1),
        // A provider quota is a hard limit: without Redis to count, nothing is sent (the messages wait).
        WhenRedisUnavailable = RedisUnavailableBehavior.Reject,
    };

    public async Task RunAsync(CancellationToken stopping)
    {
        var nextClaim = DateTimeOffset.MinValue;
        var nextPromotion = DateTimeOffset.MinValue;
        // Retries are due no finer than the retry delay: no need to look every idle poll (that doubled the idle load).
        var promotionInterval = settings.RetryDelay < TimeSpan.FromSeconds(1) ? settings.RetryDelay : TimeSpan.FromSeconds(1);
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

                var batch = new List<StreamEntry>();
                if (clock.GetUtcNow() >= nextClaim)
                {
                    batch.AddRange(await ClaimAbandonedAsync());
                    nextClaim = clock.GetUtcNow() + settings.ClaimAfter / 4;
                }

                if (batch.Count == 0)
                {
                    batch.AddRange(await redis.GetDatabase().StreamReadGroupAsync(Stream, Group, consumerName, ">", BatchSize));
                }

                if (batch.Count == 0)
                {
                    await Task.Delay(IdlePoll, clock, stopping);
                    continue;
                }

                await ProcessBatchAsync(batch, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Whatever was being sent stays pending, for another consumer to claim.
                return;
            }
            catch (Exception exception)
            {
                // Redis unavailable, or NOGROUP (the stream was deleted: the group is made again), or a bug: this
                // topic's loop must outlive it. What was in hand stays pending, and is claimed again later.
                groupReady = false;
                logger.LogWarning(exception, "Topic {Topic}: consuming failed; again in a second.", topic.Name);
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
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
                await DeadLetterAsync(entry.Id, [.. entry.Values],
                    $"handed to a consumer {count} times, never acknowledged: each consumer crashed or hung while sending it");
            }
            else
            {
                healthy.Add(entry);
            }
        }

        return [.. healthy];
    }

    private async Task ProcessBatchAsync(List<StreamEntry> batch, CancellationToken stopping)
    {
        var held = new HeldEntries(redis.GetDatabase(), Stream, Group, consumerName, batch);
        using var batchDone = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // Well within ClaimAfter, so that no other instance sees these entries as abandoned while they wait.
        var renewing = held.RenewAsync(settings.ClaimAfter / 3, clock, logger, batchDone.Token);
        try
        {
            // Several sends of a batch at once: a send is mostly waiting on the provider.
            await Parallel.ForEachAsync(batch, new ParallelOptions
            {
                MaxDegreeOfParallelism = settings.SendConcurrency,
                CancellationToken = stopping,
            }, async (entry, _) =>
            {
                try
                {
                    await ProcessAsync(entry, held, stopping);
                }
                finally
                {
                    held.Release(entry.Id);
                }
            });
        }
        finally
        {
            await batchDone.CancelAsync();
            await renewing;
        }
    }

    private async Task ProcessAsync(StreamEntry entry, HeldEntries held, CancellationToken stopping)
    {
        if (MessageEntry.From(entry) is not { } message)
        {
            await DeadLetterAsync(entry.Id, [.. entry.Values], "not a message (fields missing)");
            return;
        }

        if (services.GetKeyedService<IMessageProvider>(message.Channel) is not { } provider)
        {
            await DeadLetterAsync(entry.Id, message.ToFields(), $"no provider for channel \"{message.Channel}\"");
            return;
        }

        await WaitForPermitAsync(stopping);
        if (held.IsLost(entry.Id))
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
            await DeadLetterAsync(entry.Id, message.ToFields(), $"its text cannot be opened: {exception.Message}");
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(settings.SendTimeout);
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
            await DeadLetterAsync(entry.Id, message.ToFields(), $"refused for good on attempt {message.Attempt}: {exception.Message}");
            return;
        }
        catch (Exception exception)
        {
            await FailAsync(entry.Id, message, exception is OperationCanceledException
                ? $"no answer within {settings.SendTimeout}"
                : $"{exception.GetType().Name}: {exception.Message}");
            return;
        }

        await redis.GetDatabase().StreamAcknowledgeAsync(Stream, Group, entry.Id);
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
        if (message.Attempt >= settings.MaxAttempts)
        {
            await DeadLetterAsync(entryId, message.ToFields(), $"gave up after {message.Attempt} attempt(s): {reason}");
            return;
        }

        var delay = TimeSpan.FromTicks(Math.Min(settings.MaxRetryDelay.Ticks,
            settings.RetryDelay.Ticks * (1L << Math.Min(message.Attempt - 1, 20))));
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.StreamAcknowledgeAsync(Stream, Group, entryId);
        _ = transaction.SortedSetAddAsync(keys.MessageRetries(topic.Name), (message with { Attempt = message.Attempt + 1 }).ToJson(),
            (clock.GetUtcNow() + delay).ToUnixTimeMilliseconds());
        await transaction.ExecuteAsync();
        logger.LogWarning("Message {MessageId} ({Kind}) on {Topic} failed, attempt {Attempt}; next in {Delay}: {Reason}",
            message.Id, message.Kind, topic.Name, message.Attempt, delay, reason);
    }

    private async Task DeadLetterAsync(RedisValue entryId, NameValueEntry[] fields, string reason)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.StreamAcknowledgeAsync(Stream, Group, entryId);
        _ = transaction.StreamAddAsync(keys.MessageDeadLetters(topic.Name),
            [.. fields, new("reason", reason), new("failedAt", clock.GetUtcNow().ToString("O"))],
            maxLength: settings.StreamMaxLength, useApproximateMaxLength: true);
        await transaction.ExecuteAsync();
        logger.LogError("Message {EntryId} on {Topic} moved to the dead letters: {Reason}", entryId, topic.Name, reason);
    }
}
