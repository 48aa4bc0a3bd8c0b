using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// Redis stops: sign-in fails closed (nothing can count the attempts, and no session could be recorded), while
/// client_credentials tokens, which need no Redis, are still issued (the per-client limit fails open).
/// </summary>
public sealed class RateLimitOutageTests : IAsyncLifetime
{
    private readonly RedisProcess _redis = new();
    private IdentityServerFactory _server = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _server = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(),
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = _redis.ConnectionString });
        _server.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RedisStopped_SignInRefusedWithRetryAfter_ClientCredentialsStillIssued()
    {
        var user = await _server.CreateUserAsync();
        var client = _server.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, "Str0ng!Password")).Status);

        await _redis.StopAsync();

        var login = await AuthApiClient.LoginAsync(client, user.Email!, "Str0ng!Password");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, login.Status);
        Assert.Equal("application/problem+json", login.ContentType);
        Assert.NotNull(login.Headers!.RetryAfter);

        var grant = await OAuth.PostAsync(client, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = AuthApiClient.ClientId,
            ["username"] = user.Email!,
            ["password"] = "Str0ng!Password",
        });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, grant.Status);
        Assert.Equal("temporarily_unavailable", grant.Error);

        var page = await OAuth.SubmitLoginAsync(_server.CreateBrowser(), user.Email!, "Str0ng!Password");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.Response.StatusCode);

        Assert.False(string.IsNullOrEmpty(await OAuth.ClientCredentialsAsync(client, "posts.read")));
    }
}
