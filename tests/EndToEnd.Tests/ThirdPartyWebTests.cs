using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// samples/ThirdPartyWeb ("Acme Planner") through a whole sign-in with consent, a post on the user's behalf and a
/// sign-out, against a running IdentityServer and BoardApi. The browser tests in headless Chromium cover the looks.
/// </summary>
[Collection(SamplesCollection.Name)]
public sealed class ThirdPartyWebTests(SampleDeployment deployment) : IAsyncLifetime
{
    private PlannerFactory _planner = null!;

    public Task InitializeAsync()
    {
        _planner = new PlannerFactory(deployment);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _planner.DisposeAsync();

    [Fact]
    public async Task SignIn_PushesTheRequest_BrowserCarriesOnlyTheRequestUri()
    {
        var start = await _planner.CreateBrowser().NavigateAsync("/signin");

        // RFC 9126: the request (PKCE S256 challenge, redirect URI, scopes) went to /connect/par over the back channel,
        // authenticated; nothing of it rides in the browser's URL but its request_uri.
        var authorize = start.ExternalRedirect!;
        Assert.Equal(new Uri(deployment.Issuer, "connect/authorize"), new Uri(authorize.GetLeftPart(UriPartial.Path)));
        var query = QueryHelpers.ParseQuery(authorize.Query);
        Assert.Equal(["client_id", "request_uri"], query.Keys.Order());
        Assert.Equal("third-party-demo", query["client_id"]);
        Assert.StartsWith("urn:ietf:params:oauth:request_uri:", query["request_uri"].ToString());
    }

    [Fact]
    public async Task Consent_ShowsNameAndPosts_PostsForUser_SignsOutAtBoard()
    {
        var (planner, board, identity) = await _planner.ConnectAsync(acceptConsent: true);
        Assert.Equal("/board", board.Url.AbsolutePath);
        Assert.Equal("E2E User", board.Document!.QuerySelector("#user-name")?.TextContent);
        Assert.NotNull(board.Document.QuerySelector("ul#posts"));

        var title = $"Planned <b>{Guid.NewGuid():N}</b>";
        var posted = await planner.SubmitAsync(board, "#new-post", new Dictionary<string, string>
        {
            ["title"] = title,
            ["content"] = "Written in Acme Planner.",
        });
        Assert.True(posted.Document is not null, $"{posted.Response.StatusCode} {posted.Url}: {posted.Body}");
        Assert.Equal("/board", posted.Url.AbsolutePath);
        var first = posted.Document!.QuerySelector("#posts li");
        // Text, never markup: the title's tags come back as characters.
        Assert.Equal(title, first?.QuerySelector(".post-title")?.TextContent);
        Assert.Equal("E2E User", first?.QuerySelector(".post-meta")?.TextContent.Split(" · ")[0]);

        var signOut = await planner.SubmitAsync(posted, "form[action='/signout']");
        var logout = signOut.ExternalRedirect ?? throw new InvalidOperationException($"{signOut.Response.StatusCode} {signOut.Url}: {signOut.Body}");
        Assert.Equal(new Uri(deployment.Issuer, "connect/logout"), new Uri(logout.GetLeftPart(UriPartial.Path)));
        var logoutQuery = QueryHelpers.ParseQuery(logout.Query);
        Assert.Equal("http://127.0.0.1:5003/signout-callback-oidc", logoutQuery["post_logout_redirect_uri"]);
        Assert.False(string.IsNullOrEmpty(logoutQuery["id_token_hint"]));

        var back = await identity.Browser.NavigateAsync(logout.PathAndQuery);
        var landing = await planner.NavigateAsync(back.ExternalRedirect!.PathAndQuery);
        Assert.NotNull(landing.Document!.QuerySelector("#signed-out"));
        Assert.NotNull((await planner.NavigateAsync("/board")).ExternalRedirect);
    }

    [Fact]
    public async Task ConsentDenied_FriendlyDeclinedPage()
    {
        var (_, page, _) = await _planner.ConnectAsync(acceptConsent: false);

        Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
        Assert.Equal("/", page.Url.AbsolutePath);
        Assert.NotNull(page.Document!.QuerySelector("#declined"));
        Assert.NotNull(page.Document.QuerySelector("#connect"));
    }

    [Fact]
    public async Task ExpiredAccessToken_RefreshedOnceForParallelRequests_SessionGoesOn()
    {
        var (planner, board, _) = await _planner.ConnectAsync(acceptConsent: true);
        Assert.Equal("/board", board.Url.AbsolutePath);

        // Past the access token's 15 minutes, as far as the planner can tell: each page load now needs a refresh.
        _planner.Clock.Offset = TimeSpan.FromMinutes(20);
        var refreshed = await planner.NavigateAsync("/board");
        Assert.Equal("/board", refreshed.Url.AbsolutePath);
        Assert.Contains(refreshed.Response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("acme_planner", StringComparison.Ordinal));

        // Two requests with the same cookie: one refresh between them. Redeeming the rotated refresh token twice
        // would count as theft at the Board and end the session.
        _planner.Clock.Offset = TimeSpan.FromMinutes(40);
        var parallel = await Task.WhenAll(planner.NavigateAsync("/board"), planner.NavigateAsync("/board"));
        Assert.All(parallel, page => Assert.Equal("/board", page.Url.AbsolutePath));

        _planner.Clock.Offset = TimeSpan.FromMinutes(60);
        Assert.Equal("/board", (await planner.NavigateAsync("/board")).Url.AbsolutePath);
    }

    [Fact]
    public async Task Pages_CarrySecurityHeaders()
    {
        var landing = await _planner.CreateBrowser().NavigateAsync("/");

        var headers = landing.Response.Headers;
        Assert.Contains("script-src 'self'", headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", headers.GetValues("Referrer-Policy").Single());
        Assert.NotNull(landing.Document!.QuerySelector("a#connect[href='/signin']"));
    }
}
