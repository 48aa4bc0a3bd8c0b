using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.MultiFactor.MultiFactorBrowsing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.PushedAuthorization;

/// <summary>
/// Pushed authorization requests (RFC 9126): the client posts the request, the browser carries only a request_uri,
/// which works once, for that client, and through every detour of the sign-in (login, a fresh sign-in, a second factor).
/// </summary>
public sealed class PushedAuthorizationTests(PushedAuthorizationTests.Server fixture) : IClassFixture<PushedAuthorizationTests.Server>
{
    private const string RequiringClientId = "pushed-only-app";
    private const string RequiringRedirectUri = "http://127.0.0.1:5022/callback";

    /// <summary>The demo clients, and one registered with require_pushed_authorization_requests.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public IdentityServerFactory Factory { get; } = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
        {
            [$"Seed:Clients:{RequiringClientId}:Type"] = "public",
            [$"Seed:Clients:{RequiringClientId}:ConsentType"] = "implicit",
            [$"Seed:Clients:{RequiringClientId}:GrantTypes:0"] = "authorization_code",
            [$"Seed:Clients:{RequiringClientId}:RedirectUris:0"] = RequiringRedirectUri,
            [$"Seed:Clients:{RequiringClientId}:Scopes:0"] = "openid",
            [$"Seed:Clients:{RequiringClientId}:RequirePushedAuthorizationRequests"] = "true",
        });

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => Factory.DisposeAsync().AsTask();
    }

    private IdentityServerFactory server => fixture.Factory;

    [Fact]
    public async Task RequiringClient_PlainRequest_InvalidRequest_PushedRequest_Code()
    {
        var (browser, _) = await SignedInAsync(server);
        var pkce = Pkce.Create();

        var plain = await browser.NavigateAsync(OAuth.AuthorizeUrl(RequiringClientId, RequiringRedirectUri, "openid", pkce));
        Assert.Equal("invalid_request", ErrorOf(plain));

        var requestUri = await PushAsync(browser.Client, pkce, clientId: RequiringClientId, redirectUri: RequiringRedirectUri);
        var pushed = await browser.NavigateAsync(AuthorizeWith(requestUri, RequiringClientId));
        Assert.True(pushed.RedirectParameters.ContainsKey("code"), string.Join(", ", pushed.RedirectParameters));
    }

    [Fact]
    public async Task Discovery_AdvertisesTheEndpoint()
    {
        using var discovery = JsonDocument.Parse(await server.CreateClient().GetStringAsync("/.well-known/openid-configuration"));

        Assert.EndsWith("/connect/par", discovery.RootElement.GetProperty("pushed_authorization_request_endpoint").GetString());
    }

    [Fact]
    public async Task Pushed_NotSignedIn_SignsInThenIssuesTheCode()
    {
        var user = await server.CreateUserAsync(Password);
        var browser = server.CreateBrowser();
        var pkce = Pkce.Create();
        var requestUri = await PushAsync(browser.Client, pkce);

        var login = await browser.NavigateAsync(AuthorizeWith(requestUri));
        Assert.Equal("/Account/Login", login.Url.AbsolutePath);
        var callback = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = user.Email!, ["Input.Password"] = Password,
        });

        var tokens = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, callback.RedirectParameters["code"], pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
    }

    [Fact]
    public async Task Pushed_PromptLogin_AsksOnceThenCompletes()
    {
        var (browser, email) = await SignedInAsync(server);
        var pkce = Pkce.Create();
        var requestUri = await PushAsync(browser.Client, pkce, ("prompt", "login"));

        var login = await browser.NavigateAsync(AuthorizeWith(requestUri));
        Assert.Equal("/Account/Login", login.Url.AbsolutePath);
        var callback = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = email, ["Input.Password"] = Password,
        });

        Assert.NotNull(callback.ExternalRedirect);
        Assert.True(callback.RedirectParameters.ContainsKey("code"), string.Join(", ", callback.RedirectParameters));
    }

    [Fact]
    public async Task Pushed_AcrValuesMfa_SecondFactorThenCode_OrDeclinedThenError()
    {
        // A password-only session, from before the user set up an app in another browser.
        var (laptop, email) = await SignedInAsync(server);
        var phone = server.CreateBrowser();
        await OAuth.SignInAsync(phone, email, Password);
        var (key, _) = await EnrolAuthenticatorAsync(phone);
        var pkce = Pkce.Create();

        var secondFactor = await laptop.NavigateAsync(AuthorizeWith(await PushAsync(laptop.Client, pkce, ("acr_values", "mfa"))));
        Assert.Equal("/Account/SecondFactor", secondFactor.Url.AbsolutePath);
        var declined = await laptop.NavigateAsync(secondFactor.Document!.QuerySelector("#decline-second-factor")!.GetAttribute("href")!);
        Assert.Equal("unmet_authentication_requirements", declined.RedirectParameters["error"]);

        secondFactor = await laptop.NavigateAsync(AuthorizeWith(await PushAsync(laptop.Client, pkce, ("acr_values", "mfa"))));
        var callback = await SubmitCodeAsync(laptop, secondFactor, Totp.Code(key, 1));
        var tokens = await OAuth.RedeemCodeAsync(laptop.Client, SpaClientId, SpaRedirectUri, callback.RedirectParameters["code"], pkce.Verifier);
        Assert.Equal("mfa", Acr(tokens.Get("id_token")));
    }

    [Fact]
    public async Task ConfidentialClient_PushesWithoutItsSecret_InvalidClient()
    {
        var form = new Dictionary<string, string>
        {
            ["client_id"] = ThirdPartyClientId, ["redirect_uri"] = ThirdPartyRedirectUri, ["response_type"] = "code",
            ["scope"] = "openid", ["code_challenge"] = Pkce.Create().Challenge, ["code_challenge_method"] = "S256",
        };
        using var client = server.CreateClient();

        var anonymous = await OAuth.PostAsync(client, "/connect/par", form);
        var wrong = await OAuth.PostAsync(client, "/connect/par", form, (ThirdPartyClientId, "not-the-secret"));
        var right = await OAuth.PostAsync(client, "/connect/par", form, (ThirdPartyClientId, ThirdPartySecret));

        Assert.Equal("invalid_client", anonymous.Get("error"));
        Assert.Equal("invalid_client", wrong.Get("error"));
        Assert.Equal(HttpStatusCode.Created, right.Status);
    }

    [Fact]
    public async Task RequestUri_UsedTwice_Refused()
    {
        var (browser, _) = await SignedInAsync(server);
        var requestUri = await PushAsync(browser.Client, Pkce.Create());
        var first = await browser.NavigateAsync(AuthorizeWith(requestUri));
        Assert.True(first.RedirectParameters.ContainsKey("code"));

        var second = await browser.NavigateAsync(AuthorizeWith(requestUri));

        Assert.False(second.ExternalRedirect is not null && second.RedirectParameters.ContainsKey("code"), second.Body);
    }

    [Fact]
    public async Task RequestUri_OfAnotherClient_Refused()
    {
        var (browser, _) = await SignedInAsync(server);
        var requestUri = await PushAsync(browser.Client, Pkce.Create());

        var other = await browser.NavigateAsync(QueryHelpers.AddQueryString("/connect/authorize",
            new Dictionary<string, string?> { ["client_id"] = ThirdPartyClientId, ["request_uri"] = requestUri }));

        Assert.False(other.ExternalRedirect is not null && other.RedirectParameters.ContainsKey("code"), other.Body);
    }

    private static string AuthorizeWith(string requestUri, string clientId = SpaClientId) => QueryHelpers.AddQueryString("/connect/authorize",
        new Dictionary<string, string?> { ["client_id"] = clientId, ["request_uri"] = requestUri });

    // An error is sent to the client's redirect URI (RFC 6749 4.1.2.1), or shown on the server's error page.
    private static string? ErrorOf(Navigation page) =>
        page.ExternalRedirect is not null ? page.RedirectParameters.GetValueOrDefault("error")
        : page.Document?.QuerySelector("#oauth-error code")?.TextContent;

    private static Task<string> PushAsync(HttpClient client, Pkce pkce, params (string Name, string Value)[] extra) =>
        PushAsync(client, pkce, SpaClientId, SpaRedirectUri, extra);

    private static async Task<string> PushAsync(HttpClient client, Pkce pkce, string clientId, string redirectUri,
        params (string Name, string Value)[] extra)
    {
        var form = new Dictionary<string, string>
        {
            ["client_id"] = clientId, ["redirect_uri"] = redirectUri, ["response_type"] = "code", ["scope"] = "openid",
            ["state"] = "pushed", ["nonce"] = "n-1", ["code_challenge"] = pkce.Challenge, ["code_challenge_method"] = "S256",
        };
        foreach (var (name, value) in extra)
        {
            form[name] = value;
        }

        var pushed = await OAuth.PostAsync(client, "/connect/par", form);
        Assert.True(pushed.Status == HttpStatusCode.Created, pushed.Body);
        return pushed.Get("request_uri");
    }
}
