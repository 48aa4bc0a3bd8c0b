using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;

namespace RedisJwt.Testing;

/// <summary>
/// A relying party's back-channel logout endpoint on a real loopback socket, for an IdentityServer to POST to: it
/// records every logout token it is sent, answers as a test tells it (200, a status, or not until released), and
/// counts each jti once, as a receiver that drops repeats does. <see cref="StopAsync"/> takes it off the port (a
/// client that is down); <see cref="StartAsync"/> brings it back on the same one.
/// </summary>
public sealed class LogoutReceiver : IAsyncDisposable
{
    private WebApplication? _app;
    private readonly ConcurrentDictionary<string, byte> _acceptedIds = new();

    public LogoutReceiver(int? port = null) => Port = port ?? IdentityServerFactory.FreeLoopbackPort();

    public int Port { get; }

    public Uri Uri => new($"http://127.0.0.1:{Port}/backchannel-logout");

    /// <summary>Every request, in order: the logout_token sent (null when none) and the content type.</summary>
    public ConcurrentQueue<(string? Token, string? ContentType)> Requests { get; } = new();

    /// <summary>The status it answers with (200 unless set).</summary>
    public int Status { get; set; } = StatusCodes.Status200OK;

    /// <summary>While set, each request waits for it (a client that hangs); null: answer at once.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>The logout tokens answered 200, each jti once.</summary>
    public IReadOnlyCollection<string> AcceptedIds => [.. _acceptedIds.Keys];

    public IEnumerable<JsonWebToken> Tokens => Requests.Select(request => request.Token).OfType<string>().Select(token => new JsonWebToken(token));

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/backchannel-logout", async (HttpRequest request) =>
        {
            var token = request.HasFormContentType ? (await request.ReadFormAsync())["logout_token"].ToString() : null;
            Requests.Enqueue((token, request.ContentType));
            if (Hold is { } hold)
            {
                await hold.Task;
            }

            if (Status == StatusCodes.Status200OK && token is { Length: > 0 })
            {
                _acceptedIds.TryAdd(new JsonWebToken(token).Id, 0);
            }

            return Status == StatusCodes.Status200OK
                ? Results.Ok()
                : Results.Json(new { error = "invalid_request", error_description = "the test receiver refuses it" }, statusCode: Status);
        });
        await _app.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Hold?.TrySetResult();
        await StopAsync();
    }
}
