using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>A dispatcher that cannot reach Redis: every action that sends a message still happens.</summary>
public sealed class AlertFailureTests : IAsyncLifetime
{
    private const string Password = "Str0ng!Password";

    private readonly IdentityServerFactory _server = IdentityServerFactory.Create(
        IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix());

    public AlertFailureTests() =>
        _server.TestServices = services => services.AddSingleton<IMessageDispatcher, UnreachableDispatcher>();

    private sealed class UnreachableDispatcher : IMessageDispatcher
    {
        public int Calls;

        public Task<DispatchResult> DispatchAsync(OutgoingMessage message, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "test: Redis unreachable");
        }
    }

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task EveryMessagingActionSucceedsWhenNothingCanBeQueued()
    {
        var client = _server.CreateApiClient();
        var email = $"new-{Guid.NewGuid():N}@example.test";
        var registered = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register",
            new { email, password = Password, displayName = "New User", birthdate = "1994-05-06" });
        Assert.Equal(HttpStatusCode.Accepted, registered.Status);

        // Two devices (new-device alert), a password change, a replayed refresh token, a reset request.
        await AuthApiClient.SignInAsync(client, email, Password);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("OtherDevice/2.0");
        var (access, refresh) = await AuthApiClient.SignInAsync(client, email, Password);
        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password",
            new { currentPassword = Password, newPassword = "An0ther!Password" }, access)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.RefreshAsync(client, refresh)).Status);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(client, refresh)).Error);
        Assert.Equal(HttpStatusCode.Accepted, (await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/forgot", new { email })).Status);

        var dispatcher = (UnreachableDispatcher)_server.Services.GetRequiredService<IMessageDispatcher>();
        // Registration, new device, password change, reuse, reset (in the background).
        await Eventually.TrueAsync(() => Task.FromResult(dispatcher.Calls >= 5));
    }
}
