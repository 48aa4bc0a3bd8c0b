using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Revocation;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// Redis stops: sign-in fails closed (nothing can count the attempts, and no session could be recorded), account
/// changes are refused rather than half done (no session ended, no cached profile replaced), while
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
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = _redis.ConnectionStringAs(Service.IdentityServer) });
        _server.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RedisStopped_SignInAndAccountChangesRefusedWithRetryAfter_ClientCredentialsStillIssued()
    {
        var user = await _server.CreateUserAsync();
        var client = _server.CreateApiClient();
        var (accessToken, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var view = _server.Services.GetRequiredService<RevocationView>();
        await Eventually.TrueAsync(() => Task.FromResult(view.InSync));
        // The page's antiforgery token needs the Data Protection key ring (in Redis); an instance that has not loaded
        // it yet answers the page itself 503. Loaded here (retried: this Redis's timeouts are short, and a loaded
        // machine can miss them), so the sign-in limit is what is on trial below.
        var browser = _server.CreateBrowser();
        await Eventually.TrueAsync(async () => (await browser.NavigateAsync("/Account/Login")).Response.StatusCode == HttpStatusCode.OK);

        await _redis.StopAsync();

        // Within the revocation degraded window the token is still accepted, but nothing that must reach Redis happens
        // half-way: each account change is refused whole, with Retry-After.
        foreach (var refused in new[]
        {
            await AuthApiClient.LogoutAsync(client, accessToken),
            await AuthApiClient.SendAsync(client, HttpMethod.Put, "/auth/me", new { displayName = "Changed" }, accessToken),
            await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password",
                new { currentPassword = "Str0ng!Password", newPassword = "An0ther!Password" }, accessToken),
        })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
            Assert.Equal("application/problem+json", refused.ContentType);
            Assert.NotNull(refused.Headers!.RetryAfter);
        }

        var stored = await _server.WithScopeAsync(services =>
            services.GetRequiredService<UserManager<ApplicationUser>>().FindByIdAsync(user.Id));
        Assert.Equal("Test User", stored!.DisplayName);
        Assert.True(await _server.WithScopeAsync(services =>
            services.GetRequiredService<UserManager<ApplicationUser>>().CheckPasswordAsync(stored, "Str0ng!Password")));

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

        var page = await OAuth.SubmitLoginAsync(browser, user.Email!, "Str0ng!Password");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.Response.StatusCode);

        Assert.False(string.IsNullOrEmpty(await OAuth.ClientCredentialsAsync(client, "posts.read")));
    }

    [Fact]
    public async Task NeverReachedRedis_PagesNeedingItAnswerServiceUnavailableNotServerError()
    {
        await using var isolated = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(),
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = $"127.0.0.1:{IdentityServerFactory.FreeLoopbackPort()},connectTimeout=300,asyncTimeout=300,syncTimeout=300",
            });

        // The login form's antiforgery token needs the Data Protection key ring, which lives in Redis.
        var page = await isolated.CreateBrowser().NavigateAsync("/Account/Login");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.Response.StatusCode);
        Assert.NotNull(page.Response.Headers.RetryAfter);
    }
}
