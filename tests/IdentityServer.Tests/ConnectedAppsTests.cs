using System.Net;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Remembered consents on the account page: listed, and removable with everything the app holds.</summary>
public sealed class ConnectedAppsTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task RemovingAnApp_RevokesItsTokensEverywhereAndItMustAskAgain()
    {
        var (browser, tokens, email) = await ConnectThirdPartyAsync();
        // The user's own SPA session (another browser) is not the third party's to lose.
        var spa = await SignedInSpa.StartAsync(server.CreateBrowser(), email: email, password: "Str0ng!Password");

        var apps = await browser.NavigateAsync("/Account/Apps");
        var card = Assert.Single(apps.Document!.QuerySelectorAll("#apps > li"));
        Assert.Equal("Third-party demo integration", card.GetAttribute("data-app"));
        Assert.Contains("Read posts on the board", card.TextContent);

        var removed = await browser.SubmitAsync(apps, "#apps form[action*='handler=Remove']");
        Assert.Contains("Third-party demo integration can no longer access your account", removed.Body);
        Assert.NotNull(removed.Document!.QuerySelector("#no-apps"));

        Assert.Equal("invalid_grant", (await RefreshThirdPartyAsync(tokens.Get("refresh_token"))).Error);
        Assert.False((await OAuth.IntrospectAsync(server.CreateApiClient(), tokens.Get("access_token"))).Json.GetProperty("active").GetBoolean());
        Assert.True(await server.FamilyRevokedInRedisAsync(tokens.Get("access_token")),
            "resource servers were not told: the app's access token would still be accepted");

        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, spa.RefreshToken)).Status);
        var again = await browser.NavigateAsync(OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid posts.read", Pkce.Create()));
        Assert.Null(again.ExternalRedirect);
        Assert.NotNull(again.Document!.QuerySelector("#consent-scopes"));
    }

    [Fact]
    public async Task RemovingAnApp_OnlyEndsThisUsersAccess()
    {
        var (owner, ownerTokens, _) = await ConnectThirdPartyAsync();
        var (other, _, _) = await ConnectThirdPartyAsync();

        await other.SubmitAsync(await other.NavigateAsync("/Account/Apps"), "#apps form[action*='handler=Remove']");

        Assert.Single((await owner.NavigateAsync("/Account/Apps")).Document!.QuerySelectorAll("#apps > li"));
        Assert.Equal(HttpStatusCode.OK, (await RefreshThirdPartyAsync(ownerTokens.Get("refresh_token"))).Status);
    }

    private async Task<(Browser Browser, TokenResponse Tokens, string Email)> ConnectThirdPartyAsync()
    {
        var user = await server.CreateUserAsync();
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, "Str0ng!Password");
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser,
            OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid offline_access posts.read", pkce));
        return (browser, await OAuth.RedeemCodeAsync(browser.Client, ThirdPartyClientId, ThirdPartyRedirectUri, code, pkce.Verifier, ThirdPartySecret), user.Email!);
    }

    private Task<TokenResponse> RefreshThirdPartyAsync(string refreshToken) =>
        OAuth.PostAsync(server.CreateApiClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken },
            (ThirdPartyClientId, ThirdPartySecret));
}
