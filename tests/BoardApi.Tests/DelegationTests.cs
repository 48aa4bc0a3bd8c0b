using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.Testing.TokenExchangeSeed;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// The delegation example (RFC 8693): BoardApi, called by the user, exchanges the user's token for one to the
/// notifications API (the samples/NotificationsApi project, validating tokens as any resource server does) and calls
/// it on the user's behalf; the notifications API sees the user as sub and BoardApi as act.
/// </summary>
public sealed class DelegationTests(DelegationFixture fixture) : IClassFixture<DelegationFixture>
{
    [Fact]
    public async Task MyNotifications_UserGrantedThem_FetchedOnTheirBehalf_ActNamesBoardApi()
    {
        var user = await fixture.SignInNewUserAsync(UserScopes);

        var response = await fixture.Board.CreateClient(user.AccessToken).GetAsync("/me/notifications");

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(user.Id, page.GetProperty("user").GetString());
        Assert.Equal("""{"sub":"board-api"}""", page.GetProperty("actor").GetRawText());
    }

    [Fact]
    public async Task MyNotifications_UserDidNotGrantThem_ForbiddenProblem()
    {
        var user = await fixture.SignInNewUserAsync("openid posts.read");

        var response = await fixture.Board.CreateClient(user.AccessToken).GetAsync("/me/notifications");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("invalid_scope", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NotificationsApi_TokenSentToBoardApiOnly_Unauthorized()
    {
        // Why BoardApi must exchange: a token for BoardApi alone is no good at the notifications API.
        var user = await fixture.SignInNewUserAsync(UserScopes + " offline_access");
        var identity = fixture.Identity.CreateApiClient();
        var boardOnly = await OAuth.PostAsync(identity, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = IdentityServerFactory.SpaClientId,
            ["refresh_token"] = user.Session.RefreshToken, ["resource"] = IdentityServerFactory.BoardApiResource,
        });
        using var notifications = fixture.Notifications.CreateClient();
        notifications.DefaultRequestHeaders.Authorization = new("Bearer", boardOnly.Get("access_token"));

        Assert.Equal(HttpStatusCode.Unauthorized, (await notifications.GetAsync("/notifications")).StatusCode);
    }
}

/// <summary>The IdentityServer seeded for delegation, the notifications API on a loopback port, and BoardApi calling it.</summary>
public sealed class DelegationFixture : BoardFixture
{
    public NotificationsApiFactory Notifications { get; private set; } = null!;

    private readonly int _notificationsPort = IdentityServerFactory.FreeLoopbackPort();

    protected override IDictionary<string, string?> IdentitySettings => TokenExchangeSeed.Settings();

    protected override IDictionary<string, string?> BoardSettings => new Dictionary<string, string?>
    {
        ["Delegation:NotificationsApi"] = $"http://127.0.0.1:{_notificationsPort}/",
        ["Delegation:NotificationsResource"] = NotificationsResource,
        ["Auth:ClientSecret"] = IdentityServerFactory.BoardApiSecret,
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Notifications = new NotificationsApiFactory(Identity);
        Notifications.UseKestrel(_notificationsPort);
        Notifications.StartServer();
    }

    public override async Task DisposeAsync()
    {
        await Notifications.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>samples/NotificationsApi trusting the IdentityServer, reading its revocations as BoardApi does.</summary>
public sealed class NotificationsApiFactory(IdentityServerFactory identity) : WebApplicationFactory<NotificationsApiMarker>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder
        .UseSetting("Api:Issuer", identity.Issuer.AbsoluteUri)
        .UseSetting("Api:Audience", NotificationsResource)
        // BoardApi's Redis user (read-only revocations) under the IdentityServer's prefix.
        .UseSetting("ConnectionStrings:Redis", TestServers.RedisAs(Service.BoardApi))
        .UseSetting("Revocation:KeyPrefix", identity.RedisPrefix);
}
