using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RedisJwt.Testing;

/// <summary>
/// An SMS/email gateway on a real loopback socket, as the webhook provider posts to. /accept keeps what it is sent, by
/// Idempotency-Key, and answers 204, or holds the request unanswered while <see cref="Hang"/> is set; /status/{code},
/// /refuse and /slow answer as a failing gateway does.
/// </summary>
public sealed class FakeGateway : IAsyncLifetime, IAsyncDisposable
{
    private readonly TaskCompletionSource _released = new();
    private WebApplication? _app;

    /// <summary>A request as it reached /accept.</summary>
    public sealed record Request(string? Authorization, string? ContentType, string Body);

    /// <summary>The webhook's body: the message.</summary>
    public sealed record Message(string Id, string Kind, string Channel, string Recipient, string Subject, string Text);

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>While set, requests to /accept are kept but never answered (until the gateway is disposed).</summary>
    public volatile bool Hang;

    /// <summary>Every request that reached /accept, answered or hanging, by Idempotency-Key (the message id).</summary>
    public ConcurrentDictionary<string, Request> Requests { get; } = new();

    /// <summary>The messages answered 204, in order; delivery is at least once, so one may be there twice.</summary>
    public ConcurrentQueue<Message> Accepted { get; } = new();

    public static async Task<FakeGateway> StartAsync()
    {
        var gateway = new FakeGateway();
        await gateway.InitializeAsync();
        return gateway;
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // Port 0: the OS picks a free port, read back below; no race with another test taking it first.
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();

        _app.MapPost("/accept", async (HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            Requests[request.Headers["Idempotency-Key"].ToString()] =
                new Request(request.Headers.Authorization.FirstOrDefault(), request.ContentType, body);
            if (Hang)
            {
                await _released.Task;
            }

            Accepted.Enqueue(JsonSerializer.Deserialize<Message>(body, JsonSerializerOptions.Web)!);
            return Results.NoContent();
        });
        _app.MapPost("/status/{code:int}", (int code) => Results.StatusCode(code));
        _app.MapPost("/refuse", () => Results.Text("rejected: Your code is 123456.", statusCode: 503));
        _app.MapPost("/slow", async (CancellationToken aborted) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), aborted);
            return Results.Ok();
        });

        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
    }

    public Uri Url(string path) => new(BaseAddress, path);

    /// <summary>What was accepted for <paramref name="recipient"/> of a kind, oldest first.</summary>
    public IReadOnlyList<Message> Inbox(string recipient, string kind) =>
        [.. Accepted.Where(message => message.Recipient == recipient && message.Kind == kind)];

    /// <summary>Waits for the <paramref name="count"/>th message of a kind to <paramref name="recipient"/>.</summary>
    public async Task<Message> WaitForAsync(string recipient, string kind, int count = 1)
    {
        IReadOnlyList<Message> inbox = [];
        await Eventually.TrueAsync(() => Task.FromResult((inbox = Inbox(recipient, kind)).Count >= count), TimeSpan.FromSeconds(20));
        return inbox[count - 1];
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        _released.TrySetResult();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
