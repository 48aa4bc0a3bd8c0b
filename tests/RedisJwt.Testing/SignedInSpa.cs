using System.Net;

namespace RedisJwt.Testing;

/// <summary>A user signed in through the login form, and the SPA's tokens from a full code + PKCE flow.</summary>
public sealed record SignedInSpa(Browser Browser, TokenResponse Tokens)
{
    public const string DefaultScopes = "openid profile offline_access posts.read";

    public string AccessToken => Tokens.Get("access_token");

    public string RefreshToken => Tokens.Get("refresh_token");

    public string IdToken => Tokens.Get("id_token");

    public static Task<SignedInSpa> StartAsync(IdentityServerFactory server, string scopes = DefaultScopes,
        string email = IdentityServerFactory.DemoEmail, string password = IdentityServerFactory.DemoPassword) =>
        StartAsync(server.CreateBrowser(), scopes, email, password);

    /// <summary>The same through any browser, e.g. one talking to an IdentityServer process.</summary>
    public static async Task<SignedInSpa> StartAsync(Browser browser, string scopes = DefaultScopes,
        string email = IdentityServerFactory.DemoEmail, string password = IdentityServerFactory.DemoPassword)
    {
        await OAuth.SignInAsync(browser, email, password);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser,
            OAuth.AuthorizeUrl(IdentityServerFactory.SpaClientId, IdentityServerFactory.SpaRedirectUri, scopes, pkce));
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, IdentityServerFactory.SpaClientId,
            IdentityServerFactory.SpaRedirectUri, code, pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        return new SignedInSpa(browser, tokens);
    }
}
