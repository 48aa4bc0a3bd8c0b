using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// An SMS/email gateway on loopback, as the webhook provider posts to: accepts with 204 and keeps what it was sent,
/// or hangs while <see cref="Hang"/> is set.
/// </summary>
public sealed class FakeGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _never = new();

    private FakeGateway(WebApplication app, string url) => (_app, Url) = (app, url);

    public sealed record Message(string Id, string Kind, string Channel, string Recipient, string Subject, string Text);

    public string Url { get; }

    public volatile bool Hang;

    /// <summary>Idempotency keys (message ids) of every request that arrived.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    /// <summary>Those answered 204.</summary>
    public ConcurrentQueue<string> Accepted { get; } = new();

    /// <summary>The bodies of those answered 204, in order.</summary>
    public ConcurrentQueue<Message> Messages { get; } = new();

    public static async Task<FakeGateway> StartAsync()
    {
        var port = IdentityServerFactory.FreeLoopbackPort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var gateway = new FakeGateway(app, $"http://127.0.0.1:{port}/send");
        app.MapPost("/send", async (HttpRequest request) =>
        {
            var id = request.Headers["Idempotency-Key"].ToString();
            var message = await JsonSerializer.DeserializeAsync<Message>(request.Body, JsonSerializerOptions.Web);
            gateway.Received.Enqueue(id);
            if (gateway.Hang)
            {
                await gateway._never.Task;
            }

            gateway.Messages.Enqueue(message!);
            gateway.Accepted.Enqueue(id);
            return Results.NoContent();
        });
        await app.StartAsync();
        return gateway;
    }

    /// <summary>What reached the gateway for <paramref name="recipient"/> of a kind, oldest first.</summary>
    public IReadOnlyList<Message> Inbox(string recipient, string kind) =>
        [.. Messages.Where(message => message.Recipient == recipient && message.Kind == kind)];

    /// <summary>Waits for the <paramref name="count"/>th message of a kind to <paramref name="recipient"/>.</summary>
    public async Task<Message> WaitForAsync(string recipient, string kind, int count = 1)
    {
        IReadOnlyList<Message> inbox = [];
        await Eventually.TrueAsync(() => Task.FromResult((inbox = Inbox(recipient, kind)).Count >= count), TimeSpan.FromSeconds(20));
        return inbox[count - 1];
    }

    public async ValueTask DisposeAsync()
    {
        _never.TrySetResult();
        await _app.DisposeAsync();
    }
}
