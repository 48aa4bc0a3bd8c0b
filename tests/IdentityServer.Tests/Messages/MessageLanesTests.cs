using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Diagnostics;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>The consumer's pipeline and per-recipient lanes: one slow or busy recipient does not hold up the others.</summary>
public sealed class MessageLanesTests
{
    private const string Topic = "message-topic-default";

    // Long enough that a send waiting for its hung neighbours would show; never reached when the test passes.
    private static readonly Dictionary<string, string?> SlowTimeouts = new()
    {
        ["Messages:SendConcurrency"] = "4",
        ["Messages:SendTimeout"] = "00:00:20",
        ["Messages:ClaimAfter"] = "00:00:30",
    };

    [Fact]
    public async Task HangingRecipient_OthersDeliveredWhileItsSendsAreInFlight()
    {
        var release = new TaskCompletionSource();
        var provider = new RecordingProvider(HangFor("hung@example.test", release));
        await using var server = RecordingProvider.Server(provider, settings: SlowTimeouts);

        await RecordingProvider.EnqueueAsync(server, Topic, "hung@example.test");
        await RecordingProvider.EnqueueAsync(server, Topic, "hung@example.test");
        await Eventually.TrueAsync(() => Task.FromResult(provider.Attempts.Count == 2));
        for (var i = 0; i < 10; i++)
        {
            await RecordingProvider.EnqueueAsync(server, Topic, $"other{i}@example.test");
        }

        // A batch awaited as a whole would hold these for the hung sends' 20 s.
        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 10), TimeSpan.FromSeconds(5));
        release.SetResult();
        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 12));
    }

    [Fact]
    public async Task PerRecipientConcurrency_ABusyRecipientTakesAtMostItsShare_OthersFlow_AllDeliveredAsFirstAttempts()
    {
        var release = new TaskCompletionSource();
        var provider = new RecordingProvider(HangFor("slow@example.test", release));
        await using var server = RecordingProvider.Server(provider, settings: new Dictionary<string, string?>(SlowTimeouts)
        {
            [$"Messages:DefaultTopic:{nameof(MessageTopic.PerRecipientConcurrency)}"] = "2",
        });
        using var metrics = new MessageMeterRecorder(server);

        // Twice SendConcurrency for the slow one: without lanes, they would fill every slot.
        for (var i = 0; i < 8; i++)
        {
            await RecordingProvider.EnqueueAsync(server, Topic, "slow@example.test");
        }

        await Eventually.TrueAsync(() => Task.FromResult(provider.Attempts.Count == 2));
        for (var i = 0; i < 10; i++)
        {
            await RecordingProvider.EnqueueAsync(server, Topic, $"other{i}@example.test");
        }

        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 10), TimeSpan.FromSeconds(5));
        Assert.Equal(2, provider.MaxInFlight["slow@example.test"]);
        Assert.Contains(metrics.Of("redisjwt.messages.deferred"), deferral => deferral.Tags["reason"] == "concurrency");

        release.SetResult();
        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 18));
        Assert.Equal(2, provider.MaxInFlight["slow@example.test"]);
        // Deferred, not failed: each went to the provider once, as its first attempt.
        Assert.All(provider.Attempts, message => Assert.Equal(1, message.Attempt));
        Assert.Equal(18, provider.Attempts.Count);
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task PerRecipientPerMinute_OverTheLimitDeferred_SentLaterAsFirstAttempts_NeverDeadLettered()
    {
        var clock = Stopwatch.StartNew();
        var busySentAt = new ConcurrentQueue<TimeSpan>();
        var provider = new RecordingProvider((message, _) =>
        {
            if (message.Recipient == "busy@example.test")
            {
                busySentAt.Enqueue(clock.Elapsed);
            }

            return Task.CompletedTask;
        });
        // 30 a minute: a burst of 30, then one every 2 s.
        await using var server = RecordingProvider.Server(provider, settings: new Dictionary<string, string?>
        {
            [$"Messages:DefaultTopic:{nameof(MessageTopic.PerRecipientPerMinute)}"] = "30",
        });
        using var metrics = new MessageMeterRecorder(server);

        for (var i = 0; i < 32; i++)
        {
            await RecordingProvider.EnqueueAsync(server, Topic, "busy@example.test");
        }

        await RecordingProvider.EnqueueAsync(server, Topic, "quiet@example.test");

        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count(message => message.Recipient == "busy@example.test") == 30
            && provider.Accepted.Any(message => message.Recipient == "quiet@example.test")));
        await Eventually.TrueAsync(() => Task.FromResult(metrics.Of("redisjwt.messages.deferred").Any(deferral => deferral.Tags["reason"] == "rate")));

        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 33), TimeSpan.FromSeconds(15));
        // The two over the burst waited for the next permits (2 s apart), outside the send slots.
        var times = busySentAt.Order().ToArray();
        Assert.True(times[30] - times[0] >= TimeSpan.FromSeconds(1.5), $"the 31st sent {(times[30] - times[0]).TotalSeconds:F1} s after the first");
        Assert.All(provider.Attempts, message => Assert.Equal(1, message.Attempt));
        Assert.Equal(33, provider.Attempts.Select(message => message.Id).Distinct().Count());
        Assert.Equal(0, metrics.Sum("redisjwt.messages.failed"));
        await AssertNothingLeftAsync(server);
    }

    [Fact]
    public async Task TopicRetrySettings_OverrideTheMessagesWideOnes_DeadLetteredAfterTheTopicsAttempts()
    {
        var provider = new RecordingProvider((_, cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken));
        // Messages-wide, a hung send would take 20 s and its retry 30 s more: only the topic's own settings fit the test.
        await using var server = RecordingProvider.Server(provider, settings: new Dictionary<string, string?>(SlowTimeouts)
        {
            ["Messages:MaxAttempts"] = "5",
            ["Messages:RetryDelay"] = "00:00:30",
            [$"Messages:DefaultTopic:{nameof(MessageTopic.MaxAttempts)}"] = "2",
            [$"Messages:DefaultTopic:{nameof(MessageTopic.RetryDelay)}"] = "00:00:00.100",
            [$"Messages:DefaultTopic:{nameof(MessageTopic.SendTimeout)}"] = "00:00:00.300",
        });

        await RecordingProvider.EnqueueAsync(server, Topic, "unreachable@example.test");

        var deadLetters = server.Services.GetRequiredService<RedisKeys>().MessageDeadLetters(Topic);
        await Eventually.TrueAsync(async () => await Database(server).StreamLengthAsync(deadLetters) == 1);
        Assert.Equal([1, 2], provider.Attempts.Select(message => message.Attempt));
        var dead = (await Database(server).StreamRangeAsync(deadLetters)).Single();
        Assert.Equal("gave up after 2 attempt(s): no answer within 00:00:00.3000000", dead["reason"].ToString());
    }

    [Fact]
    public async Task DedicatedTopic_Consumed_NeverRoutedTo()
    {
        var provider = new RecordingProvider();
        await using var server = RecordingProvider.Server(provider);
        var registerProvider = server.TestServices!;
        server.TestServices = services =>
        {
            registerProvider(services);
            services.AddSingleton(new DedicatedTopic(new MessageTopic { Name = "test-dedicated", PerRecipientConcurrency = 1 }));
        };
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var sent = await RecordingProvider.EnqueueAsync(server, "test-dedicated", "https://rp.example.test");
        var routed = await Task.WhenAll(new int?[] { null, 10, 25, 45, 90 }.Select(age => server.Services.GetRequiredService<IMessageDispatcher>()
            .DispatchAsync(RecordingProvider.Email($"age{age}@example.test", birthDate: age is { } years ? today.AddYears(-years) : null))));

        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Count == 6));
        Assert.Equal("test-dedicated", provider.Accepted.Single(message => message.Id == sent.Id).Topic);
        Assert.DoesNotContain(routed, result => result.Topic == "test-dedicated");
    }

    [Fact]
    public async Task DedicatedTopic_NamedAsAConfiguredOne_TheServerDoesNotStart()
    {
        await using var server = RecordingProvider.Server(new RecordingProvider());
        server.TestServices = services => services.AddSingleton(new DedicatedTopic(new MessageTopic { Name = Topic }));

        var error = Assert.ThrowsAny<Exception>(() => server.Services).ToString();

        Assert.Contains($"The dedicated topic \"{Topic}\" has the name of a topic in Messages:Topics or Messages:DefaultTopic", error);
    }

    private static Func<DeliveredMessage, CancellationToken, Task> HangFor(string recipient, TaskCompletionSource release) =>
        (message, cancellationToken) => message.Recipient == recipient ? release.Task.WaitAsync(cancellationToken) : Task.CompletedTask;

    private static async Task AssertNothingLeftAsync(IdentityServerFactory server)
    {
        var keys = server.Services.GetRequiredService<RedisKeys>();
        Assert.Equal(0, await Database(server).StreamLengthAsync(keys.MessageDeadLetters(Topic)));
        Assert.Equal(0, await Database(server).SortedSetLengthAsync(keys.MessageRetries(Topic)));
        await Eventually.TrueAsync(async () =>
            (await Database(server).StreamPendingAsync(keys.MessageStream(Topic), TopicConsumer.Group)).PendingMessageCount == 0);
    }

    private static IDatabase Database(IdentityServerFactory server) => server.AdminRedis.GetDatabase();
}
