using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 8 (issue 17): a session in regular use never ended. Now a session ends at its absolute lifetime
/// however much it is used, and after an idle timeout; a refresh past either is invalid_grant, and the cookie is
/// signed out.
/// </summary>
public sealed class SessionLifetimeTests : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private readonly IdentityServerFactory _server = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
    {
        ["Sessions:AbsoluteLifetime"] = "01:00:00",
        ["Sessions:IdleTimeout"] = "00:20:00",
    });

    public SessionLifetimeTests() => _server.TestServices = services => services.AddSingleton<TimeProvider>(_clock);

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Refresh_SessionInRegularUse_EndsAtTheAbsoluteLifetime()
    {
        var spa = await SignedInSpaAsync();
        var refreshToken = spa.RefreshToken;

        // Refreshed every 15 minutes, never idle for 20: alive until the hour is up.
        for (var elapsed = 15; elapsed < 60; elapsed += 15)
        {
            _clock.Offset += TimeSpan.FromMinutes(15);
            var refreshed = await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, refreshToken);
            Assert.True(refreshed.Status == HttpStatusCode.OK, $"after {elapsed} minutes: {refreshed.Body}");
            refreshToken = refreshed.Get("refresh_token");
        }

        _clock.Offset += TimeSpan.FromMinutes(15);
        var ended = await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, refreshToken);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (ended.Status, ended.Error));
        await AssertCookieSignedOutAsync(spa.Browser);
    }

    [Fact]
    public async Task Refresh_AfterTheIdleTimeout_InvalidGrant()
    {
        var spa = await SignedInSpaAsync();

        _clock.Offset += TimeSpan.FromMinutes(21);
        var refreshed = await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, spa.RefreshToken);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (refreshed.Status, refreshed.Error));
        await AssertCookieSignedOutAsync(spa.Browser);
    }

    [Fact]
    public async Task Refresh_SessionRecordedBeforeTheLimits_EndsAtTheAbsoluteLifetimeAllTheSame()
    {
        var spa = await SignedInSpaAsync();
        var userId = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(spa.AccessToken).Subject;
        var sid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(spa.AccessToken).GetClaim("sid").Value;
        // As the previous version recorded it: expiring a refresh-token lifetime after its last use, whatever its age.
        var sessions = _server.Services.GetRequiredService<RedisJwt.ServiceDefaults.RedisKeys>().Sessions(userId);
        var redis = _server.AdminRedis.GetDatabase();
        var record = System.Text.Json.Nodes.JsonNode.Parse((await redis.HashGetAsync(sessions, sid)).ToString())!;
        record["CreatedAt"] = _clock.GetUtcNow().AddHours(-2);
        record["ExpiresAt"] = _clock.GetUtcNow().AddDays(7);
        await redis.HashSetAsync(sessions, sid, record.ToJsonString());

        var refreshed = await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, spa.RefreshToken);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (refreshed.Status, refreshed.Error));
    }

    [Fact]
    public async Task Cookie_UsedOnThePages_KeepsTheSessionFromIdling()
    {
        var spa = await SignedInSpaAsync();

        foreach (var _ in Enumerable.Range(0, 3))
        {
            _clock.Offset += TimeSpan.FromMinutes(15);
            var page = await spa.Browser.NavigateAsync("/Account/Security");
            Assert.Equal("/Account/Security", page.Url.AbsolutePath);
        }

        // 45 minutes since the last token, 15 since the cookie was last seen.
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, spa.RefreshToken)).Status);
    }

    private async Task<SignedInSpa> SignedInSpaAsync()
    {
        var user = await _server.CreateUserAsync();
        return await SignedInSpa.StartAsync(_server, email: user.Email!, password: "Str0ng!Password");
    }

    private static async Task AssertCookieSignedOutAsync(Browser browser)
    {
        var page = await browser.NavigateAsync("/Account/Security");
        Assert.Equal("/Account/Login", page.Url.AbsolutePath);
    }
}
