using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// A consumer process killed (SIGKILL) in the middle of a batch, its send hanging at the gateway: another instance
/// claims what it left unacknowledged and every message is delivered. At least once: the message being sent when the
/// process died reaches the gateway twice, with the same Idempotency-Key.
/// </summary>
public sealed class MessageCrashTests
{
    [Fact]
    public async Task ConsumerKilledMidBatch_AnotherInstanceDeliversEveryMessage()
    {
        await using var gateway = await FakeGateway.StartAsync();
        var prefix = IdentityServerFactory.NewRedisPrefix();
        var database = $"e2e_msg_{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>(TestCertificates.Settings)
        {
            ["ConnectionStrings:IdentityDb"] = TestServers.Postgres(Service.IdentityServer, database),
            ["ConnectionStrings:Redis"] = TestServers.RedisAs(Service.IdentityServer),
            ["Redis:KeyPrefix"] = prefix,
            ["Server:AllowInsecureHttp"] = "true",
            ["Messages:Providers:Email"] = "webhook",
            ["Messages:Webhook:Url"] = gateway.Url("/accept").ToString(),
            ["Messages:ClaimAfter"] = "00:00:02",
            ["Messages:SendTimeout"] = "00:00:01",
            ["Logout:BackChannelTimeout"] = "00:00:01",
        };

        try
        {
            // The dispatching side is an instance without consumers: only the killed process consumes at first.
            await using var dispatching = IdentityServerFactory.Create(database, prefix, new Dictionary<string, string?>(settings)
            {
                ["Messages:ConsumersEnabled"] = "false",
            });
            var dispatcher = dispatching.Services.GetRequiredService<IMessageDispatcher>();

            var port = IdentityServerFactory.FreeLoopbackPort();
            var doomed = await ServiceProcess.StartAsync("IdentityServer", port,
                new Dictionary<string, string?>(settings) { ["Server:Issuer"] = $"http://127.0.0.1:{port}/" });
            gateway.Hang = true;
            var sent = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                var result = await dispatcher.DispatchAsync(new OutgoingMessage(MessageKinds.PasswordChanged, MessageChannels.Email,
                    $"crash{i}@example.test", "Your password was changed", "If this was not you, reset it now."));
                sent.Add(result.StreamId!);
            }

            await Eventually.TrueAsync(() => Task.FromResult(!gateway.Requests.IsEmpty), TimeSpan.FromSeconds(20));
            await doomed.DisposeAsync(); // SIGKILL, mid-send, the rest of its batch in hand
            gateway.Hang = false;
            // Up to Messages:SendConcurrency of them were in flight, hanging, when it died.
            var hung = gateway.Requests.Keys.ToHashSet();

            await using var survivor = IdentityServerFactory.Create(database, prefix, settings);
            _ = survivor.Services;

            await Eventually.TrueAsync(() => Task.FromResult(gateway.Accepted.Count == 5), TimeSpan.FromSeconds(30));
            var accepted = gateway.Accepted.Select(message => message.Id).ToList();
            Assert.Equal(5, accepted.Distinct().Count());
            Assert.Subset(accepted.ToHashSet(), hung);
            var redis = survivor.AdminRedis.GetDatabase();
            var stream = survivor.Services.GetRequiredService<RedisKeys>().MessageStream("message-topic-default");
            await Eventually.TrueAsync(async () => (await redis.StreamPendingAsync(stream, TopicConsumer.Group)).PendingMessageCount == 0);
        }
        finally
        {
            await IdentityServerFactory.DropDatabaseAsync(database);
        }
    }
}
