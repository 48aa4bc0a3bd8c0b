using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>An SMS/KakaoTalk-style gateway on a real loopback socket: records what it is sent, by Idempotency-Key.</summary>
public sealed class FakeGateway : IAsyncLifetime
{
    private WebApplication? _app;

    public sealed record Received(string? Authorization, string? ContentType, string Body);

    public ConcurrentDictionary<string, Received> Requests { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

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
                new Received(request.Headers.Authorization.FirstOrDefault(), request.ContentType, body);
            return Results.Accepted();
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

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
