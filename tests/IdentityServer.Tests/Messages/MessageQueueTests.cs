using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.RateLimiting;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>The dispatch lock, routing to topic streams, and the consumers: ack, retry, dead letter, claim, pacing.</summary>
public sealed class MessageQueueTests
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task TwoInstancesAskingAtOnce_ExactlyOneMessageQueued()
    {
        var provider = new RecordingProvider();
        var prefix = IdentityServerFactory.NewRedisPrefix();
        await using var first = RecordingProvider.Server(provider, prefix);
        await using var second = RecordingProvider.Server(provider, prefix);
        var dispatchers = new[] { first, second }.Select(server => server.Services.GetRequiredService<IMessageDispatcher>()).ToList();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            dispatchers[i % 2].DispatchAsync(RecordingProvider.Email("someone@example.test", MessageKinds.EmailVerification))));

        Assert.Single(results, result => result.Outcome == DispatchOutcome.Enqueued);
        Assert.Equal(19, results.Count(result => result.Outcome == DispatchOutcome.Duplicate));
        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 1));
        await Task.Delay(500);
        Assert.Single(provider.Attempts);
    }

    [Fact]
    public async Task Lock_IsPerKindAndRecipient_AndEndsAfterTheKindsLockTime()
    {
        var provider = new RecordingProvider();
        await using var server = RecordingProvider.Server(provider, settings: new Dictionary<string, string?>
        {
            [$"Messages:LockTimes:{MessageKinds.PasswordReset}"] = "00:00:01",
        });
        var dispatcher = server.Services.GetRequiredService<IMessageDispatcher>();

        Assert.Equal(DispatchOutcome.Enqueued, (await dispatcher.DispatchAsync(RecordingProvider.Email("a@example.test", MessageKinds.PasswordReset))).Outcome);
        Assert.Equal(DispatchOutcome.Duplicate, (await dispatcher.DispatchAsync(RecordingProvider.Email("A@Example.test", MessageKinds.PasswordReset))).Outcome);
        Assert.Equal(DispatchOutcome.Enqueued, (await dispatcher.DispatchAsync(RecordingProvider.Email("a@example.test", MessageKinds.NewSignIn))).Outcome);
        Assert.Equal(DispatchOutcome.Enqueued, (await dispatcher.DispatchAsync(RecordingProvider.Email("b@example.test", MessageKinds.PasswordReset))).Outcome);

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.Equal(DispatchOutcome.Enqueued, (await dispatcher.DispatchAsync(RecordingProvider.Email("a@example.test", MessageKinds.PasswordReset))).Outcome);
    }

    [Theory]
    [InlineData(null, "message-topic-default")]
    [InlineData(17, "message-topic-default")]
    [InlineData(25, "message-topic-20s")]
    [InlineData(35, "message-topic-30s")]
    [InlineData(47, "message-topic-40s")]
    [InlineData(81, "message-topic-60s")]
    public async Task RoutedByBirthdate_ToItsAgeGroupsStream(int? age, string topic)
    {
        var provider = new RecordingProvider();
        await using var server = RecordingProvider.Server(provider);
        var birthDate = age is { } years ? Today.AddYears(-years).AddDays(-1) : (DateOnly?)null;

        var result = await server.Services.GetRequiredService<IMessageDispatcher>()
            .DispatchAsync(RecordingProvider.Email("someone@example.test", birthDate: birthDate));

        Assert.Equal(topic, result.Topic);
        Assert.Equal(1, await Database(server).StreamLengthAsync(Keys(server).MessageStream(topic)));
        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Any(message => message.Topic == topic)));
    }

    [Fact]
    public async Task AddingASegment_IsConfiguration()
    {
        var provider = new RecordingProvider();
        await using var server = RecordingProvider.Server(provider, settings: new Dictionary<string, string?>
        {
            ["Messages:Topics:0:Name"] = "message-topic-young",
            ["Messages:Topics:0:MaxAge"] = "24",
            ["Messages:Topics:1:Name"] = "message-topic-rest",
            ["Messages:Topics:1:MinAge"] = "25",
        });

        var young = await server.Services.GetRequiredService<IMessageDispatcher>()
            .DispatchAsync(RecordingProvider.Email("young@example.test", birthDate: Today.AddYears(-19)));

        Assert.Equal("message-topic-young", young.Topic);
        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Any(message => message.Topic == "message-topic-young")));
    }

    [Fact]
    public async Task Sent_IsAcknowledgedOnlyAfterTheProviderAccepted()
    {
        var release = new TaskCompletionSource();
        var provider = new RecordingProvider((_, cancellationToken) => release.Task.WaitAsync(cancellationToken));
        await using var server = RecordingProvider.Server(provider);
        var result = await server.Services.GetRequiredService<IMessageDispatcher>().DispatchAsync(RecordingProvider.Email("ack@example.test"));
        var stream = Keys(server).MessageStream(result.Topic);

        await Eventually.TrueAsync(() => Task.FromResult(provider.Attempts.Count == 1));
        Assert.Equal(1, (await Database(server).StreamPendingAsync(stream, TopicConsumer.Group)).PendingMessageCount);

        release.SetResult();
        await Eventually.TrueAsync(async () => (await Database(server).StreamPendingAsync(stream, TopicConsumer.Group)).PendingMessageCount == 0);
        Assert.Single(provider.Accepted);
    }

    [Fact]
    public async Task FailingSends_RetriedWithBackoff_ThenDeadLetteredWithTheReason()
    {
        var clock = Stopwatch.StartNew();
        var attemptedAt = new ConcurrentQueue<TimeSpan>();
        var provider = new RecordingProvider((_, _) =>
        {
            attemptedAt.Enqueue(clock.Elapsed);
            throw new HttpRequestException("gateway answered 503");
        });
        await using var server = RecordingProvider.Server(provider, settings: new Dictionary<string, string?>
        {
            ["Messages:RetryDelay"] = "00:00:00.300",
            ["Messages:MaxAttempts"] = "4",
        });
        var result = await server.Services.GetRequiredService<IMessageDispatcher>().DispatchAsync(RecordingProvider.Email("dead@example.test"));

        var deadLetters = Keys(server).MessageDeadLetters(result.Topic);
        await Eventually.TrueAsync(async () => await Database(server).StreamLengthAsync(deadLetters) == 1, TimeSpan.FromSeconds(15));

        Assert.Equal([1, 2, 3, 4], provider.Attempts.Select(attempt => attempt.Attempt));
        Assert.Single(provider.Attempts.Select(attempt => attempt.Id).Distinct());
        // The wait doubles: 300, 600, 1200 ms at least. A fixed delay would leave the last gap near 300-600 ms.
        var times = attemptedAt.ToArray();
        Assert.All(new[] { 300, 600, 1200 }.Select((least, index) => (least, gap: times[index + 1] - times[index])),
            wait => Assert.True(wait.gap >= TimeSpan.FromMilliseconds(wait.least), $"waited {wait.gap.TotalMilliseconds:F0} ms, not {wait.least}"));
        var dead = (await Database(server).StreamRangeAsync(deadLetters)).Single();
        Assert.Contains("gave up after 4 attempt(s)", dead["reason"].ToString());
        Assert.Contains("gateway answered 503", dead["reason"].ToString());
        Assert.Equal("dead@example.test", dead["recipient"].ToString());
        Assert.Equal(0, (await Database(server).StreamPendingAsync(Keys(server).MessageStream(result.Topic), TopicConsumer.Group)).PendingMessageCount);
        Assert.Equal(0, await Database(server).SortedSetLengthAsync(Keys(server).MessageRetries(result.Topic)));
    }

    [Fact]
    public async Task RefusedForGood_DeadLetteredAtOnce_NotRetried()
    {
        var provider = new RecordingProvider((_, _) =>
            throw new MessageNotAcceptedException("The webhook at gateway answered 400 (BadRequest).", permanent: true));
        await using var server = RecordingProvider.Server(provider);
        var result = await server.Services.GetRequiredService<IMessageDispatcher>().DispatchAsync(RecordingProvider.Email("refused@example.test"));

        var deadLetters = Keys(server).MessageDeadLetters(result.Topic);
        await Eventually.TrueAsync(async () => await Database(server).StreamLengthAsync(deadLetters) == 1);
        // Well past the retry delay (200 ms): no second attempt came.
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Single(provider.Attempts);
        var dead = (await Database(server).StreamRangeAsync(deadLetters)).Single();
        Assert.Equal("refused for good on attempt 1: The webhook at gateway answered 400 (BadRequest).", dead["reason"].ToString());
        Assert.Equal(0, await Database(server).SortedSetLengthAsync(Keys(server).MessageRetries(result.Topic)));
    }

    [Fact]
    public async Task PoisonMessage_ClaimedAfterTooManyCrashes_DeadLetteredUnsent_WhileOneBelowTheLimitIsSent()
    {
        var prefix = IdentityServerFactory.NewRedisPrefix();
        var provider = new RecordingProvider();
        var settings = new Dictionary<string, string?> { ["Messages:MaxDeliveries"] = "4" };
        // Dispatch only, so that the ghosts below are the first to read.
        await using var dispatching = RecordingProvider.Server(provider, prefix, new Dictionary<string, string?>(settings) { ["Messages:ConsumersEnabled"] = "false" });
        var dispatcher = dispatching.Services.GetRequiredService<IMessageDispatcher>();
        var poison = await dispatcher.DispatchAsync(RecordingProvider.Email("poison@example.test"));
        var survivor = await dispatcher.DispatchAsync(RecordingProvider.Email("survivor@example.test"));
        var redis = Database(dispatching);
        var stream = Keys(dispatching).MessageStream(poison.Topic);
        await redis.StreamCreateConsumerGroupAsync(stream, TopicConsumer.Group, StreamPosition.Beginning);

        // Consumers that each took the messages and died: Redis counts every handover. The poison one is read then
        // claimed 3 times (4 deliveries, the limit), the other one time less.
        await redis.StreamReadGroupAsync(stream, TopicConsumer.Group, "ghost-0", ">");
        for (var ghost = 1; ghost <= 3; ghost++)
        {
            await redis.StreamClaimAsync(stream, TopicConsumer.Group, $"ghost-{ghost}", 0,
                ghost < 3 ? [poison.StreamId!, survivor.StreamId!] : [poison.StreamId!]);
        }

        await using var consuming = RecordingProvider.Server(provider, prefix, settings);
        _ = consuming.Services;

        var deadLetters = Keys(consuming).MessageDeadLetters(poison.Topic);
        await Eventually.TrueAsync(async () => await redis.StreamLengthAsync(deadLetters) == 1 && provider.Accepted.Count == 1,
            TimeSpan.FromSeconds(15));
        var dead = (await redis.StreamRangeAsync(deadLetters)).Single();
        Assert.Equal("poison@example.test", dead["recipient"].ToString());
        Assert.Contains("handed to a consumer 5 times", dead["reason"].ToString());
        Assert.Equal("survivor@example.test", provider.Accepted.Single().Recipient);
        Assert.Single(provider.Attempts);
        Assert.Equal(0, (await redis.StreamPendingAsync(stream, TopicConsumer.Group)).PendingMessageCount);
    }

    [Fact]
    public async Task FailedOnce_SentOnTheRetry()
    {
        var failures = 0;
        var provider = new RecordingProvider((_, _) => Interlocked.Increment(ref failures) == 1 ? throw new TimeoutException("slow gateway") : Task.CompletedTask);
        await using var server = RecordingProvider.Server(provider);

        await server.Services.GetRequiredService<IMessageDispatcher>().DispatchAsync(RecordingProvider.Email("retry@example.test"));

        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 1));
        Assert.Equal(2, provider.Accepted.Single().Attempt);
    }

    [Fact]
    public async Task ConsumerGoneMidSend_AnotherClaimsTheMessage_NothingLost()
    {
        var prefix = IdentityServerFactory.NewRedisPrefix();
        var hung = new RecordingProvider((_, cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken));
        var first = RecordingProvider.Server(hung, prefix);
        var result = await first.Services.GetRequiredService<IMessageDispatcher>().DispatchAsync(RecordingProvider.Email("claimed@example.test"));
        await Eventually.TrueAsync(() => Task.FromResult(hung.Attempts.Count == 1));
        // The instance goes away mid-send, its message unacknowledged.
        await first.DisposeAsync();

        var healthy = new RecordingProvider();
        await using var second = RecordingProvider.Server(healthy, prefix);
        _ = second.Services; // starts it, and its consumers

        await Eventually.TrueAsync(() => Task.FromResult(healthy.Accepted.Count == 1), TimeSpan.FromSeconds(15));
        Assert.Equal(hung.Attempts.Single().Id, healthy.Accepted.Single().Id);
        // Claimed, not retried: a retry would be attempt 2.
        Assert.Equal(1, healthy.Accepted.Single().Attempt);
        await Eventually.TrueAsync(async () =>
            (await Database(second).StreamPendingAsync(Keys(second).MessageStream(result.Topic), TopicConsumer.Group)).PendingMessageCount == 0);
    }

    [Fact]
    public async Task EachTopicHasItsOwnPace_ABurstToOneIsPacedWhileAnotherFlows()
    {
        var provider = new RecordingProvider();
        await using var server = RecordingProvider.Server(provider, settings: new Dictionary<string, string?>
        {
            ["Messages:Topics:0:Name"] = "message-topic-slow",
            ["Messages:Topics:0:MaxAge"] = "29",
            ["Messages:Topics:0:PerMinute"] = "3",
            ["Messages:Topics:1:Name"] = "message-topic-fast",
            ["Messages:Topics:1:MinAge"] = "30",
            ["Messages:Topics:1:PerMinute"] = "6000",
        });
        var dispatcher = server.Services.GetRequiredService<IMessageDispatcher>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            dispatcher.DispatchAsync(RecordingProvider.Email($"slow{i}@example.test", birthDate: Today.AddYears(-25)))));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            dispatcher.DispatchAsync(RecordingProvider.Email($"fast{i}@example.test", birthDate: Today.AddYears(-35)))));

        // The fast topic flows at once while the slow one is held to its quota (3 a minute: the burst, then one per 20 s).
        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count(message => message.Topic == "message-topic-fast") == 8));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(3, provider.Accepted.Count(message => message.Topic == "message-topic-slow"));
    }

    [Fact]
    public async Task BatchWaitingLongerThanClaimAfterForItsQuota_NotClaimedByAnotherInstance_EachSentOnce()
    {
        var prefix = IdentityServerFactory.NewRedisPrefix();
        var provider = new RecordingProvider();
        // One permit every 3 s, with ClaimAfter 2 s: the last of three messages waits 9 s in its consumer's hands.
        var settings = new Dictionary<string, string?> { ["Messages:DefaultTopic:PerMinute"] = "20" };
        await using var first = RecordingProvider.Server(provider, prefix, settings);
        await using var second = RecordingProvider.Server(provider, prefix, settings);
        _ = second.Services;
        var topic = first.Services.GetRequiredService<IOptions<MessagingSettings>>().Value.DefaultTopic;
        var limiter = first.Services.GetRequiredService<DistributedRateLimiter>();
        var quota = new RateLimitPolicy { PermitLimit = topic.PerMinute, Window = TimeSpan.FromMinutes(1) };
        // Spend the burst, so that every message below waits for its permit.
        for (var permit = 0; permit < topic.PerMinute; permit++)
        {
            Assert.True((await limiter.AcquireAsync($"messages.{topic.Name}", quota, "send")).Allowed);
        }

        var dispatcher = first.Services.GetRequiredService<IMessageDispatcher>();
        foreach (var recipient in new[] { "one@example.test", "two@example.test", "three@example.test" })
        {
            await dispatcher.DispatchAsync(RecordingProvider.Email(recipient));
        }

        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 3), TimeSpan.FromSeconds(20));
        // Another permit's time: a message taken over by the other instance would be sent again by now.
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(3, provider.Attempts.Count);
        Assert.Equal(3, provider.Attempts.Select(message => message.Id).Distinct().Count());
        Assert.Equal(0, await Database(first).StreamLengthAsync(Keys(first).MessageDeadLetters(topic.Name)));
        Assert.Equal(0, (await Database(first).StreamPendingAsync(Keys(first).MessageStream(topic.Name), TopicConsumer.Group)).PendingMessageCount);
    }

    [Fact]
    public async Task ASlowTopic_DoesNotHoldUpAnother()
    {
        var provider = new RecordingProvider((message, cancellationToken) =>
            message.Recipient.StartsWith("slow", StringComparison.Ordinal) ? Task.Delay(TimeSpan.FromSeconds(5), cancellationToken) : Task.CompletedTask);
        await using var server = RecordingProvider.Server(provider);
        var dispatcher = server.Services.GetRequiredService<IMessageDispatcher>();

        await dispatcher.DispatchAsync(RecordingProvider.Email("slow@example.test", birthDate: Today.AddYears(-25)));
        await Eventually.TrueAsync(() => Task.FromResult(provider.Attempts.Count == 1));
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            dispatcher.DispatchAsync(RecordingProvider.Email($"other{i}@example.test", birthDate: Today.AddYears(-45)))));

        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count(message => message.Topic == "message-topic-40s") == 5),
            TimeSpan.FromSeconds(3));
        Assert.DoesNotContain(provider.Accepted, message => message.Recipient == "slow@example.test");
    }

    private static IDatabase Database(IdentityServerFactory server) => server.AdminRedis.GetDatabase();

    private static RedisKeys Keys(IdentityServerFactory server) => server.Services.GetRequiredService<RedisKeys>();
}
