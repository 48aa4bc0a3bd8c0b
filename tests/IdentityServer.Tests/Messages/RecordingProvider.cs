using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
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

    public async Task SendAsync(DeliveredMessage message, CancellationToken cancellationToken)
    {
        Attempts.Enqueue(message);
        if (behave is not null)
        {
            await behave(message, cancellationToken);
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

    public static OutgoingMessage Email(string recipient, string kind = MessageKinds.PasswordChanged, DateOnly? birthDate = null) =>
        new(kind, MessageChannels.Email, recipient, "Subject", $"Text for {recipient}", UserId: null, BirthDate: birthDate);
}
