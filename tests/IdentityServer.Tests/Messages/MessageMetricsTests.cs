using System.Diagnostics;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>The message instruments: sent, failed, dead-lettered and delivery latency, by topic and kind, never by recipient.</summary>
public sealed class MessageMetricsTests
{
    private const string Topic = "message-topic-default";

    [Fact]
    public async Task SentFailedAndDeadLettered_CountedByTopicAndKind_LatencyFromCreationIncludesTheRetryWait()
    {
        var flakyFailures = 0;
        var provider = new RecordingProvider((message, _) => message.Recipient switch
        {
            "refused@example.test" => throw new MessageNotAcceptedException("answered 400", null, permanent: true),
            "flaky@example.test" when Interlocked.Increment(ref flakyFailures) == 1 => throw new HttpRequestException("answered 503"),
            _ => Task.CompletedTask,
        });
        await using var server = RecordingProvider.Server(provider);
        using var metrics = new MessageMeterRecorder(server);
        var started = Stopwatch.StartNew();

        await RecordingProvider.EnqueueAsync(server, Topic, "ok@example.test", MessageKinds.NewSignIn);
        await RecordingProvider.EnqueueAsync(server, Topic, "refused@example.test", MessageKinds.PasswordReset);
        await RecordingProvider.EnqueueAsync(server, Topic, "flaky@example.test", MessageKinds.PasswordReset);

        await Eventually.TrueAsync(() => Task.FromResult(metrics.Sum("redisjwt.messages.sent") == 2 && metrics.Sum("redisjwt.messages.dead_lettered") == 1));
        var elapsed = started.Elapsed.TotalSeconds;

        Assert.Equal(1, Count("redisjwt.messages.sent", MessageKinds.NewSignIn));
        Assert.Equal(1, Count("redisjwt.messages.sent", MessageKinds.PasswordReset));
        // The permanent refusal and the flaky one's first attempt.
        Assert.Equal(2, Count("redisjwt.messages.failed", MessageKinds.PasswordReset));
        Assert.Equal(1, Count("redisjwt.messages.dead_lettered", MessageKinds.PasswordReset));
        var latencies = metrics.Of("redisjwt.messages.delivery_latency").ToList();
        Assert.Equal(2, latencies.Count);
        Assert.All(latencies, latency => Assert.InRange(latency.Value, 0, elapsed + 0.1));
        // Sent on its second attempt, after the retry delay (200 ms).
        Assert.InRange(latencies.Single(latency => latency.Tags["kind"] == MessageKinds.PasswordReset).Value, 0.2, elapsed + 0.1);
        Assert.All(metrics.Measurements, measurement => Assert.Equal(["kind", "topic"], measurement.Tags.Keys.Order()));

        double Count(string name, string kind) => metrics.Of(name)
            .Where(measurement => measurement.Tags["topic"] == Topic && measurement.Tags["kind"] == kind).Sum(measurement => measurement.Value);
    }
}
