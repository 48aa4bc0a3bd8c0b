using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>
/// The far side of a provider, for tests of the queue itself: records what reached it, and behaves as the test says
/// per message (accept, fail, hang). The real providers have their own tests.
/// </summary>
public sealed class RecordingProvider(Func<DeliveredMessage, CancellationToken, Task>? behave = null) : IMessageProvider
{
    public ConcurrentQueue<DeliveredMessage> Attempts { get; } = new();

    public ConcurrentQueue<DeliveredMessage> Accepted { get; } = new();

    /// <summary>The most sends in flight at once to each recipient.</summary>
    public ConcurrentDictionary<string, int> MaxInFlight { get; } = new();

    private readonly ConcurrentDictionary<string, int> _inFlight = new();

    public async Task SendAsync(DeliveredMessage message, CancellationToken cancellationToken)
    {
        Attempts.Enqueue(message);
        var inFlight = _inFlight.AddOrUpdate(message.Recipient, 1, (_, count) => count + 1);
        MaxInFlight.AddOrUpdate(message.Recipient, inFlight, (_, max) => Math.Max(max, inFlight));
        try
        {
            if (behave is not null)
            {
                await behave(message, cancellationToken);
            }
        }
        finally
        {
            _inFlight.AddOrUpdate(message.Recipient, 0, (_, count) => count - 1);
        }

        Accepted.Enqueue(message);
    }

    /// <summary>An IdentityServer whose email goes to <paramref name="provider"/>, with fast retries and claims.</summary>
    public static IdentityServerFactory Server(RecordingProvider provider, string? redisPrefix = null,
        IDictionary<string, string?>? settings = null, string? databaseName = null)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Messages:RetryDelay"] = "00:00:00.200",
            ["Messages:MaxAttempts"] = "3",
            ["Messages:ClaimAfter"] = "00:00:02",
            ["Messages:SendTimeout"] = "00:00:01",
            ["Logout:BackChannelTimeout"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var server = IdentityServerFactory.Create(databaseName ?? IdentityServerFactory.NewDatabaseName(),
            redisPrefix ?? IdentityServerFactory.NewRedisPrefix(), overrides);
        server.TestServices = services => services.AddKeyedSingleton<IMessageProvider>(MessageChannels.Email, provider);
        return server;
    }

    /// <summary>
    /// Writes an email straight to <paramref name="topic"/>'s stream, sealed, as a feature with a dedicated topic does
    /// (no routing, no dedup lock: as many to one recipient as a test needs).
    /// </summary>
    public static async Task<MessageEntry> EnqueueAsync(IdentityServerFactory server, string topic, string recipient,
        string kind = MessageKinds.PasswordChanged)
    {
        var entry = MessageEntry.New(Email(recipient, kind));
        entry = entry with { Text = server.Services.GetRequiredService<MessageSealing>().Seal(entry) };
        await server.AdminRedis.GetDatabase().StreamAddAsync(server.Services.GetRequiredService<RedisKeys>().MessageStream(topic), entry.ToFields());
        return entry;
    }

    public static OutgoingMessage Email(string recipient, string kind = MessageKinds.PasswordChanged, DateOnly? birthDate = null) =>
        new(kind, MessageChannels.Email, recipient, "Subject", $"Text for {recipient}", UserId: null, BirthDate: birthDate);
}
