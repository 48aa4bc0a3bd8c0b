using System.Net;
using System.Text.Json;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AuthorizationCodeTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private const string SpaScopes = "openid profile email roles offline_access posts.read posts.write";

    [Fact]
    public async Task Authorize_NotSignedIn_RedirectsToLoginFormThenIssuesCode()
    {
        var browser = server.CreateBrowser();
        var pkce = Pkce.Create();

        var login = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce));
        Assert.Equal("/Account/Login", login.Url.AbsolutePath);

        var callback = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = DemoEmail,
            ["Input.Password"] = DemoPassword,
        });

        Assert.StartsWith(SpaRedirectUri + "?", callback.ExternalRedirect!.ToString());
        Assert.Equal("state-123", callback.RedirectParameters["state"]);
        Assert.Equal(DefaultIssuer, callback.RedirectParameters["iss"]); // RFC 9207 mix-up defence
        Assert.False(string.IsNullOrEmpty(callback.RedirectParameters["code"]));
    }

    [Fact]
    public async Task CodeFlow_Spa_NoConsentTokensCarryUserSessionAndScopes()
    {
        var user = await server.CreateUserAsync(roles: "admin");
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, "Str0ng!Password");
        var pkce = Pkce.Create();

        // First-party SPA: implicit consent, straight back to the callback.
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, SpaScopes, pkce));
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);

        var idToken = await OAuth.ValidateJwtAsync(browser.Client, tokens.Get("id_token"), SpaClientId, "JWT");
        Assert.Equal("nonce-456", idToken.GetClaim("nonce").Value);
        Assert.Equal(user.Id, idToken.Subject);
        Assert.Equal(user.Email, idToken.GetClaim("email").Value);
        Assert.Equal("Test User", idToken.GetClaim("name").Value);
        Assert.Equal("1991-02-03", idToken.GetClaim("birthdate").Value);

        var access = await OAuth.ValidateJwtAsync(browser.Client, tokens.Get("access_token"), BoardApiResource, "at+jwt");
        Assert.Equal(user.Id, access.Subject);
        Assert.Equal(SpaClientId, access.GetClaim("client_id").Value);
        Assert.Equal(SpaScopes.Split(' ').Order(), access.GetClaim("scope").Value.Split(' ').Order());
        Assert.Equal(idToken.GetClaim("sid").Value, access.GetClaim("sid").Value);
        Assert.Equal("admin", access.GetClaim("role").Value);
        // Personal data stays out of the access token: email and birthdate are for the ID token and userinfo only.
        Assert.False(access.TryGetClaim("email", out _));
        Assert.False(access.TryGetClaim("birthdate", out _));
        Assert.False(string.IsNullOrEmpty(tokens.Get("refresh_token")));

        var userinfo = await GetUserInfoAsync(browser.Client, tokens.Get("access_token"));
        Assert.Equal(user.Id, userinfo.GetProperty("sub").GetString());
        Assert.Equal(user.Email, userinfo.GetProperty("email").GetString());
        Assert.Equal("Test User", userinfo.GetProperty("name").GetString());
        Assert.Equal("admin", userinfo.GetProperty("role")[0].GetString());
    }

    [Fact]
    public async Task CodeFlow_NarrowScopes_TokensAndUserinfoHoldOnlyWhatWasGranted()
    {
        var user = await server.CreateUserAsync(roles: "admin");
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, "Str0ng!Password");
        var pkce = Pkce.Create();

        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid posts.read", pkce));
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, pkce.Verifier);

        var idToken = await OAuth.ValidateJwtAsync(browser.Client, tokens.Get("id_token"), SpaClientId, "JWT");
        var access = await OAuth.ValidateJwtAsync(browser.Client, tokens.Get("access_token"), BoardApiResource, "at+jwt");
        foreach (var claim in new[] { "name", "email", "birthdate", "role" })
        {
            Assert.False(idToken.TryGetClaim(claim, out _), $"ID token carries '{claim}' without its scope");
            Assert.False(access.TryGetClaim(claim, out _), $"access token carries '{claim}' without its scope");
        }

        Assert.False(tokens.Json.TryGetProperty("refresh_token", out _), "refresh token issued without offline_access");
        var userinfo = await GetUserInfoAsync(browser.Client, tokens.Get("access_token"));
        Assert.Equal(["sub"], userinfo.EnumerateObject().Select(property => property.Name));
    }

    [Fact]
    public async Task CodeFlow_ThirdParty_ConsentAskedOnceRememberedAndAskedAgainForNewScope()
    {
        var user = await server.CreateUserAsync();
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, "Str0ng!Password");

        var consentPage = await browser.NavigateAsync(OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid posts.read", Pkce.Create()));
        Assert.Null(consentPage.ExternalRedirect);
        Assert.Contains("Third-party demo integration", consentPage.Body);
        Assert.Contains("posts.read", consentPage.Body);

        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid posts.read", pkce));
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, ThirdPartyClientId, ThirdPartyRedirectUri, code, pkce.Verifier, ThirdPartySecret);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);

        // Remembered: the same scopes go straight through.
        var again = await browser.NavigateAsync(OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid posts.read", Pkce.Create()));
        Assert.NotNull(again.ExternalRedirect);
        Assert.True(again.RedirectParameters.ContainsKey("code"));

        // A new scope was never consented to: ask again.
        var wider = await browser.NavigateAsync(OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid posts.read posts.write", Pkce.Create()));
        Assert.Null(wider.ExternalRedirect);
        Assert.Contains("posts.write", wider.Body);
    }

    [Fact]
    public async Task CodeFlow_ThirdPartyConsentDenied_AccessDeniedAtCallback()
    {
        var user = await server.CreateUserAsync();
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, "Str0ng!Password");

        var (code, callback) = await OAuth.AuthorizeAsync(browser,
            OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid posts.read", Pkce.Create()), acceptConsent: false);

        Assert.Equal("", code);
        Assert.Equal("access_denied", callback["error"]);
    }

    [Fact]
    public async Task ConsentPost_WithoutAntiforgeryToken_Rejected()
    {
        var user = await server.CreateUserAsync();
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, "Str0ng!Password");
        var consentPage = await browser.NavigateAsync(OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid", Pkce.Create()));
        // A client the operator set up is not marked as self-registered.
        Assert.NotNull(consentPage.Document?.QuerySelector("#consent-app"));
        Assert.Null(consentPage.Document?.QuerySelector("#consent-unverified"));

        // A cross-site page forging the "Allow" click has the cookie but not the antiforgery token.
        var forged = await browser.SubmitAsync(consentPage, "form[action='/connect/authorize']",
            new Dictionary<string, string> { ["__RequestVerificationToken"] = "forged" }, ("consent_decision", "accept"));

        Assert.Null(forged.ExternalRedirect);
        Assert.Equal(HttpStatusCode.BadRequest, forged.Response.StatusCode);
    }

    [Fact]
    public async Task Authorize_UnregisteredRedirectUri_ErrorPageNeverRedirects()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);

        foreach (var redirectUri in new[] { "https://evil.example/callback", SpaRedirectUri + "/extra", SpaRedirectUri + "?x=1", "http://127.0.0.1:5173/CALLBACK" })
        {
            var page = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, redirectUri, "openid", Pkce.Create()));
            Assert.Null(page.ExternalRedirect);
            Assert.Equal(HttpStatusCode.BadRequest, page.Response.StatusCode);
            Assert.Contains("invalid_request", page.Body);
        }
    }

    [Fact]
    public async Task Authorize_PublicClientWithoutPkce_InvalidRequest()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);

        var page = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce: null));

        AssertRejected(page, "invalid_request");
    }

    [Fact]
    public async Task Authorize_PlainCodeChallengeMethod_InvalidRequest()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();

        var page = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid",
            pkce with { Challenge = pkce.Verifier }, codeChallengeMethod: "plain"));

        AssertRejected(page, "invalid_request");
    }

    [Fact]
    public async Task Authorize_UnknownScope_InvalidScope()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);

        var page = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid admin.everything", Pkce.Create()));

        AssertRejected(page, "invalid_scope");
    }

    [Fact]
    public async Task Authorize_PromptNoneWithoutSession_LoginRequired()
    {
        var page = await server.CreateBrowser().NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid",
            Pkce.Create(), extra: ("prompt", "none")));

        Assert.Equal("login_required", page.RedirectParameters["error"]);
    }

    [Fact]
    public async Task Token_CodeRedeemedTwice_InvalidGrant()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce));

        var first = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, pkce.Verifier);
        var second = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, pkce.Verifier);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("invalid_grant", second.Error);
    }

    [Fact]
    public async Task Token_WrongOrMissingCodeVerifier_InvalidGrant()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce));

        var wrong = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, Pkce.Create().Verifier);
        Assert.Equal("invalid_grant", wrong.Error);

        var (code2, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce));
        var missing = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code2, verifier: null);
        Assert.Contains(missing.Error, new[] { "invalid_grant", "invalid_request" });
    }

    [Fact]
    public async Task Token_CodeRedeemedWithAnotherRedirectUri_InvalidGrant()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce));

        var response = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, "http://127.0.0.1:5173/other", code, pkce.Verifier);

        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task UserInfo_WithoutValidToken_Unauthorized()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", "not-a-token");
        using var response = await server.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
    }

    /// <summary>
    /// OpenIddict checks request parameters before it trusts the redirect_uri, so it answers on its own error page;
    /// a redirect carrying the error would be as good. Either way: the exact error, and no code.
    /// </summary>
    private static void AssertRejected(Navigation page, string error)
    {
        if (page.ExternalRedirect is not null)
        {
            Assert.Equal(error, page.RedirectParameters["error"]);
            Assert.False(page.RedirectParameters.ContainsKey("code"));
        }
        else
        {
            Assert.Equal(HttpStatusCode.BadRequest, page.Response.StatusCode);
            Assert.Contains($"<code>{error}</code>", page.Body);
        }
    }

    private static async Task<JsonElement> GetUserInfoAsync(HttpClient client, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new("Bearer", accessToken);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
