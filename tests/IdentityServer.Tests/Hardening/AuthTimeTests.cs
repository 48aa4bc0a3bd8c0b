using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 2 (issue 17): max_age was checked against the cookie's issue time, which sliding renewal and
/// security-stamp refreshes reset, auth_time was never issued, and max_age=0 sent the user back to the login page
/// forever. Now the real authentication time is recorded when a password is presented, carried through refresh,
/// enforced for max_age and prompt=login, and put in the ID token when max_age was asked or the client requires it.
/// </summary>
public sealed class AuthTimeTests : IAsyncLifetime
{
    private const string Password = "Str0ng!Password";
    private const string RequiringClientId = "auth-time-app";
    private const string RequiringRedirectUri = "http://127.0.0.1:5020/callback";

    private readonly ShiftedClock _clock = new();
    private readonly IdentityServerFactory _server = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
    {
        [$"Seed:Clients:{RequiringClientId}:Type"] = "public",
        [$"Seed:Clients:{RequiringClientId}:ConsentType"] = "implicit",
        [$"Seed:Clients:{RequiringClientId}:GrantTypes:0"] = "authorization_code",
        [$"Seed:Clients:{RequiringClientId}:RedirectUris:0"] = RequiringRedirectUri,
        [$"Seed:Clients:{RequiringClientId}:Scopes:0"] = "openid",
        [$"Seed:Clients:{RequiringClientId}:RequireAuthTime"] = "true",
    });

    public AuthTimeTests() => _server.TestServices = services => services.AddSingleton<TimeProvider>(_clock);

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    /// <summary>max_age=0 is prompt=login (OIDC Core 3.1.2.1); each used to send the user back to sign in forever.</summary>
    [Theory]
    [InlineData("max_age", "0")]
    [InlineData("prompt", "login")]
    public async Task FreshSignInAsked_AsksForThePasswordOnceThenCompletes(string parameter, string value)
    {
        var (browser, email) = await SignedInAsync();
        var pkce = Pkce.Create();

        var login = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce, extra: (parameter, value)));
        Assert.Equal("/Account/Login", login.Url.AbsolutePath);
        var askedAt = Now();
        var callback = await browser.SubmitAsync(login, "form", Credentials(email));

        Assert.NotNull(callback.ExternalRedirect);
        var idToken = await IdTokenAsync(browser, SpaClientId, SpaRedirectUri, callback.RedirectParameters["code"], pkce);
        Assert.InRange(AuthTime(idToken), askedAt, Now());
    }

    [Fact]
    public async Task SignInAskedMarker_CarriedOverToAnotherRequest_DoesNotSatisfyIt()
    {
        var (browser, email) = await SignedInAsync();
        // A marker minted by one request (anyone can start one), then a sign-in after it.
        var first = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create(),
            state: "first", extra: ("prompt", "login")));
        var marker = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(new Uri("http://x"),
            Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(first.Url.Query)["ReturnUrl"].ToString()).Query)["redisjwt_sign_in_asked"].ToString();
        Assert.NotEmpty(marker);
        await browser.SubmitAsync(first, "form", Credentials(email));

        // Another request (the RP's own state and challenge) with that marker added: it must ask again.
        var other = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create(),
            state: "second", extra: [("max_age", "0"), ("redisjwt_sign_in_asked", marker)]));

        Assert.Null(other.ExternalRedirect);
        Assert.Equal("/Account/Login", other.Url.AbsolutePath);
    }

    [Fact]
    public async Task OldSignIn_MaxAge_AsksForThePasswordEvenAfterTheCookieWasRenewed()
    {
        var (browser, email) = await SignedInAsync();
        var signedInAt = Now();

        // Past half the cookie's 8 hours (sliding renewal) and the security stamp's 30-minute check: the cookie is
        // issued anew, its issue time moves, the sign-in does not.
        _clock.Offset += TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1);
        var security = await browser.NavigateAsync("/Account/Security");
        Assert.Equal(("/Account/Security", HttpStatusCode.OK), (security.Url.AbsolutePath, security.Response.StatusCode));

        var pkce = Pkce.Create();
        var login = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce, extra: ("max_age", "3600")));
        Assert.Equal("/Account/Login", login.Url.AbsolutePath);
        var callback = await browser.SubmitAsync(login, "form", Credentials(email));
        var idToken = await IdTokenAsync(browser, SpaClientId, SpaRedirectUri, callback.RedirectParameters["code"], pkce);
        Assert.True(AuthTime(idToken) >= signedInAt + 4 * 3600, "auth_time is the new sign-in's");

        // Signed in just now: the same max_age passes without a prompt.
        var again = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create(), extra: ("max_age", "3600")));
        Assert.NotNull(again.ExternalRedirect);
    }

    [Fact]
    public async Task MaxAgeTooOld_WithPromptNone_LoginRequired()
    {
        var (browser, _) = await SignedInAsync();
        _clock.Offset += TimeSpan.FromMinutes(10);

        var answer = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create(),
            extra: [("max_age", "60"), ("prompt", "none")]));

        Assert.Equal("login_required", answer.RedirectParameters["error"]);
    }

    [Fact]
    public async Task AuthTime_InIdTokenOnlyWhenAsked_AndKeptThroughRefresh()
    {
        var (browser, _) = await SignedInAsync();
        var signedInAt = Now();

        var plain = await AuthorizeAsync(browser, SpaClientId, SpaRedirectUri, "openid offline_access");
        Assert.False(new JsonWebToken(plain.Get("id_token")).TryGetClaim("auth_time", out _), "no max_age, no require_auth_time");
        Assert.InRange(AuthTime(plain.Get("access_token")), signedInAt - 2, signedInAt);

        var asked = await AuthorizeAsync(browser, SpaClientId, SpaRedirectUri, "openid offline_access", ("max_age", "600"));
        var authTime = AuthTime(asked.Get("id_token"));
        Assert.InRange(authTime, signedInAt - 2, signedInAt);

        _clock.Offset += TimeSpan.FromMinutes(5);
        var refreshed = await OAuth.RefreshAsync(browser.Client, SpaClientId, asked.Get("refresh_token"));
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.Equal(authTime, AuthTime(refreshed.Get("id_token")));

        var required = await AuthorizeAsync(browser, RequiringClientId, RequiringRedirectUri, "openid");
        Assert.Equal(authTime, AuthTime(required.Get("id_token")));
    }

    private async Task<(Browser Browser, string Email)> SignedInAsync()
    {
        var user = await _server.CreateUserAsync(Password);
        var browser = _server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, Password);
        return (browser, user.Email!);
    }

    private static async Task<TokenResponse> AuthorizeAsync(Browser browser, string clientId, string redirectUri, string scope,
        params (string, string)[] extra)
    {
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(clientId, redirectUri, scope, pkce, extra: extra));
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, clientId, redirectUri, code, pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        return tokens;
    }

    private static async Task<string> IdTokenAsync(Browser browser, string clientId, string redirectUri, string code, Pkce pkce) =>
        (await OAuth.RedeemCodeAsync(browser.Client, clientId, redirectUri, code, pkce.Verifier)).Get("id_token");

    private static Dictionary<string, string> Credentials(string email) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = Password,
    };

    private long Now() => _clock.GetUtcNow().ToUnixTimeSeconds();

    private static long AuthTime(string jwt) => new JsonWebToken(jwt).GetPayloadValue<long>("auth_time");
}
