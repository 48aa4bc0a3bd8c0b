using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Logout;

/// <summary>
/// OIDC Front-Channel Logout 1.0 on the end-session page: the clients of the ended session that registered a
/// front-channel URI are framed with iss and sid, only their origins may be framed, and the page then continues to the
/// post-logout redirect. (tests/browser runs the page's script: the wait, and the timeout when a client hangs.)
/// </summary>
public sealed class FrontChannelLogoutTests(FrontChannelLogoutTests.Server server) : IClassFixture<FrontChannelLogoutTests.Server>
{
    public const string FrontChannelUri = "https://rp.example/frontchannel-logout?tenant=7";

    public sealed class Server : IAsyncLifetime
    {
        public IdentityServerFactory Factory { get; } = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
        {
            [$"Seed:Clients:{SpaClientId}:FrontChannelLogoutUri"] = FrontChannelUri,
        });

        public Task InitializeAsync() => Factory.InitializeAsync();

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    [Fact]
    public async Task Logout_FramesTheClientWithIssAndSid_OnlyItsOriginFramable_ThenRedirects()
    {
        var spa = await SignedInSpa.StartAsync(server.Factory);

        var page = await spa.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri, spa.IdToken));

        Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
        var frame = new Uri(Assert.Single(page.Document!.QuerySelectorAll("#frontchannel-logout li[data-frame-src]")).GetAttribute("data-frame-src")!);
        Assert.Equal("https://rp.example/frontchannel-logout", frame.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(frame.Query);
        Assert.Equal("7", query["tenant"]);
        Assert.Equal(server.Factory.Issuer.AbsoluteUri, query["iss"]);
        Assert.Equal(new JsonWebToken(spa.IdToken).GetClaim("sid").Value, query["sid"]);
        var policy = page.Response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.EndsWith("; frame-src https://rp.example", policy);
        Assert.Contains("frame-ancestors 'none'", policy);

        var done = await spa.Browser.SubmitAsync(page, "#frontchannel-done", submitter: ("logout_frontchannel_done", "yes"));

        Assert.Equal(SpaPostLogoutRedirectUri, done.ExternalRedirect!.GetLeftPart(UriPartial.Path));
        Assert.Equal("bye", done.RedirectParameters["state"]);
        var authorize = await spa.Browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()));
        Assert.Equal("/Account/Login", authorize.Url.AbsolutePath);
    }

    [Fact]
    public async Task FrontChannelDone_FromASignedInBrowser_EndsNothing()
    {
        var spa = await SignedInSpa.StartAsync(server.Factory);
        var confirmation = await spa.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri));

        // A page of another site posting "the frames are done" for a signed-in user: shown the question, not signed out.
        var answer = await spa.Browser.SubmitAsync(confirmation, "form[action='/connect/logout']", submitter: ("logout_frontchannel_done", "yes"));

        Assert.Null(answer.ExternalRedirect);
        Assert.NotNull(answer.Document!.QuerySelector("#confirm-sign-out"));
        var authorize = await spa.Browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()));
        Assert.True(authorize.RedirectParameters.ContainsKey("code"));
    }

    [Fact]
    public async Task FrontChannelDone_WithoutAntiforgeryToken_Refused()
    {
        var spa = await SignedInSpa.StartAsync(server.Factory);
        var confirmation = await spa.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri));

        var forged = await spa.Browser.SubmitAsync(confirmation, "form[action='/connect/logout']",
            new Dictionary<string, string> { ["__RequestVerificationToken"] = "forged" }, ("logout_frontchannel_done", "yes"));

        Assert.Equal(HttpStatusCode.BadRequest, forged.Response.StatusCode);
    }
}
