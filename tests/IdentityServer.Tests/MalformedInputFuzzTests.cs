using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RedisJwt.Testing;
using RedisJwt.Testing.Fuzzing;
using Xunit.Abstractions;
using static RedisJwt.Testing.Fuzzing.FuzzValues;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// Review finding 12 (issue 17), the fuzz test it asked for. Malformed requests (see <see cref="Malformations"/>: NUL, lone surrogates, invalid UTF-8, overlong values, wrong
/// JSON types and content types, duplicated parameters, broken multipart, empty and truncated bodies) at every OAuth
/// endpoint, JSON API and page of a real IdentityServer on a loopback socket. A malformed request is the client's
/// fault: never a 5xx, never an error in the server's log.
/// </summary>
public sealed class MalformedInputFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "Fuzz!Passw0rd";
    private const string AntiforgeryField = "__RequestVerificationToken";

    private readonly LogCapture _logs = new();
    private IdentityServerFactory _server = null!;
    private Principal _reader = null!;
    private Principal _spender = null!;
    private Principal _admin = null!;
    private string _anonymousCookie = "";
    private string _anonymousAntiforgery = "";
    private string _adminToken = "";
    private string _victimId = "";
    private string _refreshToken = "";
    private string _initialAccessToken = "";
    private string _registeredClientId = "";
    private string _registrationAccessToken = "";
    private RedisJwt.IdentityServer.Data.ApplicationUser _confirmer = null!;
    private string _confirmationCode = "";

    /// <summary>
    /// Every endpoint, with a request it would accept (or nearly) for the fuzzer to break. Add new endpoints here.
    /// Endpoints that end sessions or change passwords act as <see cref="_spender"/>, so the others keep theirs.
    /// </summary>
    private IEnumerable<FuzzTarget> Endpoints() =>
    [
        // OAuth endpoints.
        new("POST", "/connect/token") { Form = Fields(("grant_type", "password"), ("client_id", AuthApiClient.ClientId),
            ("username", _reader.Email), ("password", Password), ("scope", "openid offline_access")) },
        new("POST", "/connect/token") { Form = Fields(("grant_type", "authorization_code"), ("client_id", IdentityServerFactory.SpaClientId),
            ("code", "not-a-code"), ("redirect_uri", IdentityServerFactory.SpaRedirectUri), ("code_verifier", Pkce.Create().Verifier)) },
        new("POST", "/connect/token") { Form = Fields(("grant_type", "refresh_token"), ("client_id", AuthApiClient.ClientId),
            ("refresh_token", _refreshToken)) },
        new("POST", "/connect/token") { Form = Fields(("grant_type", "client_credentials"), ("scope", "posts.read")),
            Headers = Basic(IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret) },
        new("POST", "/connect/introspect") { Form = Fields(("token", _reader.AccessToken)),
            Headers = Basic(IdentityServerFactory.BoardApiClientId, IdentityServerFactory.BoardApiSecret) },
        new("POST", "/connect/revoke") { Form = Fields(("token", _refreshToken), ("client_id", AuthApiClient.ClientId)) },
        new("GET", "/connect/authorize") { Query = AuthorizeParameters(IdentityServerFactory.SpaClientId, IdentityServerFactory.SpaRedirectUri) },
        new("GET", "/connect/authorize") { Query = AuthorizeParameters(IdentityServerFactory.SpaClientId, IdentityServerFactory.SpaRedirectUri),
            Headers = _reader.Cookie },
        new("POST", "/connect/authorize") { Form = AuthorizeParameters(IdentityServerFactory.SpaClientId, IdentityServerFactory.SpaRedirectUri) },
        // The consent form, posted back with the user's decision.
        new("POST", "/connect/authorize") { Headers = _reader.Cookie, Form = Fields([
            .. AuthorizeParameters(IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartyRedirectUri).Select(p => (p.Key, p.Value)),
            ("consent_decision", "accept"), (AntiforgeryField, _reader.Antiforgery)]) },
        new("GET", "/connect/userinfo") { Headers = _reader.Bearer },
        new("POST", "/connect/userinfo") { Form = Fields(("access_token", _reader.AccessToken)) },
        new("GET", "/connect/logout") { Query = Fields(("client_id", IdentityServerFactory.SpaClientId),
            ("post_logout_redirect_uri", IdentityServerFactory.SpaPostLogoutRedirectUri), ("state", "bye")) },
        new("POST", "/connect/logout") { Headers = AnonymousCookie, Form = Fields(("client_id", IdentityServerFactory.SpaClientId),
            ("post_logout_redirect_uri", IdentityServerFactory.SpaPostLogoutRedirectUri), ("logout_confirm", "yes"),
            (AntiforgeryField, _anonymousAntiforgery)) },
        new("GET", "/.well-known/openid-configuration"),
        new("GET", "/.well-known/jwks"),

        // The JSON APIs.
        new("POST", "/auth/login") { Json = Json(("email", _reader.Email), ("password", Password)) },
        new("POST", "/auth/refresh") { Json = Json(("refresh_token", _refreshToken)) },
        new("POST", "/auth/register") { Json = Json(("email", NewEmail()), ("password", Password), ("displayName", "Fuzz Zoë 日本"),
            ("birthdate", "1990-12-10")) },
        new("POST", "/auth/email/resend") { Json = Json(("email", _reader.Email)) },
        new("POST", "/auth/password/forgot") { Json = Json(("email", _reader.Email)) },
        new("POST", "/auth/password/reset") { Json = Json(("userId", _reader.Id), ("code", "not-a-code"), ("newPassword", Password)) },
        new("GET", "/auth/me") { Headers = _reader.Bearer },
        new("PUT", "/auth/me") { Headers = _reader.Bearer, Json = Json(("displayName", "Fuzz Zoë 日本")) },
        new("POST", "/auth/password") { Headers = _spender.Bearer, Json = Json(("currentPassword", Password), ("newPassword", Password + "2")) },
        new("POST", "/auth/logout") { Headers = _spender.Bearer },
        new("GET", "/auth/sessions") { Headers = _reader.Bearer },
        new("DELETE", "/auth/sessions/{sid}") { Headers = _spender.Bearer, Route = Fields(("sid", "no-such-session")) },
        new("DELETE", "/auth/sessions") { Headers = _spender.Bearer },
        new("GET", "/account/sessions") { Headers = _reader.Cookie },
        new("DELETE", "/account/sessions/{sid}") { Headers = _spender.Cookie, Route = Fields(("sid", "no-such-session")) },
        new("DELETE", "/account/sessions") { Headers = _spender.Cookie },
        new("GET", "/admin/clients") { Headers = Bearer(_adminToken) },
        new("GET", "/admin/clients/{clientId}") { Headers = Bearer(_adminToken), Route = Fields(("clientId", "fuzz-client")) },
        new("POST", "/admin/clients") { Headers = Bearer(_adminToken), Json = ClientRegistration("fuzz-client-new") },
        new("PUT", "/admin/clients/{clientId}") { Headers = Bearer(_adminToken), Route = Fields(("clientId", "fuzz-client")),
            Json = ClientRegistration("fuzz-client") },
        new("POST", "/admin/clients/{clientId}/secret") { Headers = Bearer(_adminToken), Route = Fields(("clientId", "fuzz-client")) },
        new("DELETE", "/admin/clients/{clientId}") { Headers = Bearer(_adminToken), Route = Fields(("clientId", "fuzz-client-removed")) },
        new("GET", "/admin/initial-access-tokens") { Headers = Bearer(_adminToken) },
        new("POST", "/admin/initial-access-tokens") { Headers = Bearer(_adminToken), Json = InitialAccessTokenRequest() },
        new("DELETE", "/admin/initial-access-tokens/{id}") { Headers = Bearer(_adminToken), Route = Fields(("id", "no-such-token")) },
        new("POST", "/connect/register") { Headers = Bearer(_initialAccessToken), Json = DynamicClientMetadata(null) },
        new("GET", "/connect/register/{clientId}") { Headers = Bearer(_registrationAccessToken), Route = Fields(("clientId", _registeredClientId)) },
        new("PUT", "/connect/register/{clientId}") { Headers = Bearer(_registrationAccessToken), Route = Fields(("clientId", _registeredClientId)),
            Json = DynamicClientMetadata(_registeredClientId) },
        new("DELETE", "/connect/register/{clientId}") { Headers = Bearer(_registrationAccessToken),
            Route = Fields(("clientId", "dyn-no-such-client")) },
        new("GET", "/admin/users/{userId}/sessions") { Headers = _admin.Cookie, Route = Fields(("userId", _victimId)) },
        new("DELETE", "/admin/users/{userId}/sessions/{sid}") { Headers = _admin.Cookie,
            Route = Fields(("userId", _victimId), ("sid", "no-such-session")) },
        new("DELETE", "/admin/users/{userId}/sessions") { Headers = _admin.Cookie, Route = Fields(("userId", _victimId)) },
        new("POST", "/admin/users/{userId}/lock") { Headers = _admin.Cookie, Route = Fields(("userId", _victimId)) },
        new("DELETE", "/admin/users/{userId}") { Headers = _admin.Cookie, Route = Fields(("userId", _victimId)) },

        // The pages.
        new("GET", "/"),
        new("GET", "/error"),
        new("GET", "/Account/Login") { Query = Fields(("ReturnUrl", "/Account/Security")) },
        new("POST", "/Account/Login") { Headers = AnonymousCookie, Query = Fields(("ReturnUrl", "/Account/Security")),
            Form = Fields(("Input.Email", _reader.Email), ("Input.Password", Password), ("Input.RememberMe", "true"),
                (AntiforgeryField, _anonymousAntiforgery)) },
        new("GET", "/Account/Register"),
        new("POST", "/Account/Register") { Headers = AnonymousCookie, Form = Fields(("Input.Email", NewEmail()),
            ("Input.DisplayName", "Fuzz Zoë 日本"), ("Input.BirthDate", "1990-12-10"), ("Input.Password", Password),
            ("Input.ConfirmPassword", Password), (AntiforgeryField, _anonymousAntiforgery)) },
        new("GET", "/Account/ForgotPassword"),
        new("POST", "/Account/ForgotPassword") { Headers = AnonymousCookie,
            Form = Fields(("Input.Email", _reader.Email), (AntiforgeryField, _anonymousAntiforgery)) },
        new("GET", "/Account/ResetPassword") { Query = Fields(("userId", _reader.Id), ("code", "not-a-code")) },
        new("POST", "/Account/ResetPassword") { Headers = AnonymousCookie, Query = Fields(("userId", _reader.Id), ("code", "not-a-code")),
            Form = Fields(("Input.Password", Password), ("Input.ConfirmPassword", Password), (AntiforgeryField, _anonymousAntiforgery)) },
        new("GET", "/Account/ConfirmEmail") { Query = Fields(("userId", _reader.Id), ("code", "not-a-code")) },
        new("GET", "/Account/ConfirmEmail") { Query = Fields(("userId", _confirmer.Id), ("code", _confirmationCode)) },
        // Confirming ends the account's other sessions: a user of its own.
        new("POST", "/Account/ConfirmEmail") { Headers = AnonymousCookie, Form = Fields(("UserId", _confirmer.Id),
            ("Code", _confirmationCode), ("Password", Password), (AntiforgeryField, _anonymousAntiforgery)) },
        new("GET", "/Account/ResendConfirmation"),
        new("POST", "/Account/ResendConfirmation") { Headers = AnonymousCookie,
            Form = Fields(("Input.Email", _reader.Email), (AntiforgeryField, _anonymousAntiforgery)) },
        new("GET", "/Account/Security") { Headers = _reader.Cookie },
        new("POST", "/Account/Security") { Headers = _spender.Cookie, Query = Fields(("handler", "End")),
            Form = Fields(("sid", "no-such-session"), (AntiforgeryField, _spender.Antiforgery)) },
        new("POST", "/Account/Security") { Headers = _spender.Cookie, Query = Fields(("handler", "EndAll")),
            Form = Fields((AntiforgeryField, _spender.Antiforgery)) },
        new("GET", "/Account/Apps") { Headers = _reader.Cookie, Query = Fields(("removed", "no-such-app")) },
        new("POST", "/Account/Apps") { Headers = _spender.Cookie, Query = Fields(("handler", "Remove")),
            Form = Fields(("applicationId", "no-such-app"), (AntiforgeryField, _spender.Antiforgery)) },
    ];

    [Fact]
    public async Task EveryEndpoint_MalformedRequests_NoServerErrorAndNothingLogged()
    {
        var report = await Fuzzer.RunAsync(_server.Issuer, Endpoints(), _logs);
        output.WriteLine(report.Summary());
        report.AssertNoServerErrors();
    }

    public async Task InitializeAsync()
    {
        _server = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(), overrides: new Dictionary<string, string?>
        {
            // The factory raises the other limits; this one would otherwise turn most email requests into 429s.
            ["RateLimits:Policies:account-emails-per-ip:PermitLimit"] = "100000",
        });
        _server.TestServices = services => services.AddSingleton<ILoggerProvider>(_logs);
        await _server.InitializeAsync();

        _reader = await SignInAsync();
        _spender = await SignInAsync();
        _admin = await SignInAsync("admin");
        _victimId = (await _server.CreateUserAsync(Password)).Id;
        _confirmer = await _server.CreateUserAsync(Password);
        _confirmationCode = RedisJwt.IdentityServer.Account.Notifications.AccountMessages.EncodeToken(await _server.WithScopeAsync(services =>
            services.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<RedisJwt.IdentityServer.Data.ApplicationUser>>()
                .GenerateEmailConfirmationTokenAsync(_confirmer)));
        // A session of its own: refreshing or revoking its token ends no session the other endpoints use.
        (_, _refreshToken) = await AuthApiClient.SignInAsync(_server.CreateApiClient(), _reader.Email, Password);

        var api = _server.CreateApiClient();
        var admin = await OAuth.PostAsync(api, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = "admin",
        }, (IdentityServerFactory.AdminAutomationClientId, IdentityServerFactory.AdminAutomationSecret));
        Assert.Equal(HttpStatusCode.OK, admin.Status);
        _adminToken = admin.Get("access_token");
        foreach (var clientId in new[] { "fuzz-client", "fuzz-client-removed" })
        {
            var created = await AuthApiClient.SendAsync(api, HttpMethod.Post, "/admin/clients", ClientRegistration(clientId), _adminToken);
            Assert.Equal(HttpStatusCode.Created, created.Status);
        }

        // Dynamic registration: a token for many registrations, and one registered client to read and replace.
        var initial = await AuthApiClient.SendAsync(api, HttpMethod.Post, "/admin/initial-access-tokens", InitialAccessTokenRequest(), _adminToken);
        Assert.Equal(HttpStatusCode.Created, initial.Status);
        _initialAccessToken = initial.Get("initial_access_token");
        var registered = await AuthApiClient.SendAsync(api, HttpMethod.Post, "/connect/register", DynamicClientMetadata(null), _initialAccessToken);
        Assert.Equal(HttpStatusCode.Created, registered.Status);
        (_registeredClientId, _registrationAccessToken) = (registered.Get("client_id"), registered.Get("registration_access_token"));

        var anonymous = new CookieContainer();
        var login = await new Browser(LoopbackHttp.Client(_server.Issuer, anonymous)).NavigateAsync("/Account/Login");
        _anonymousAntiforgery = AntiforgeryToken(login);
        _anonymousCookie = anonymous.GetCookieHeader(_server.Issuer);
    }

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    /// <summary>A new user signed in twice: on the login page (a cookie) and at /auth/login (an account token).</summary>
    private async Task<Principal> SignInAsync(params string[] roles)
    {
        var user = await _server.CreateUserAsync(Password, roles);
        var cookies = new CookieContainer();
        var browser = new Browser(LoopbackHttp.Client(_server.Issuer, cookies));
        await OAuth.SignInAsync(browser, user.Email!, Password);
        var antiforgery = AntiforgeryToken(await browser.NavigateAsync("/Account/Security"));
        var (accessToken, _) = await AuthApiClient.SignInAsync(_server.CreateApiClient(), user.Email!, Password);
        return new Principal(user.Id, user.Email!, accessToken, cookies.GetCookieHeader(_server.Issuer), antiforgery);
    }

    private static string AntiforgeryToken(Navigation page) =>
        page.Document?.QuerySelector($"input[name='{AntiforgeryField}']")?.GetAttribute("value")
            ?? throw new InvalidOperationException($"No antiforgery token on {page.Url}: {page.Body}");

    private IReadOnlyDictionary<string, string> AnonymousCookie => Fields(("Cookie", _anonymousCookie));

    private static Dictionary<string, string> AuthorizeParameters(string clientId, string redirectUri) => Fields(
        ("client_id", clientId), ("redirect_uri", redirectUri), ("response_type", "code"), ("scope", "openid profile"),
        ("state", "state-123"), ("nonce", "nonce-456"), ("code_challenge", Pkce.Create().Challenge), ("code_challenge_method", "S256"));

    private static Dictionary<string, object?> ClientRegistration(string clientId) => Json(("client_id", clientId),
        ("client_name", "Fuzz Zoë 日本"), ("client_type", "confidential"), ("grant_types", new[] { "client_credentials" }),
        ("scope", "posts.read"), ("introspection", false));

    private static Dictionary<string, object?> InitialAccessTokenRequest() => Json(("description", "Fuzz Zoë 日本"),
        ("grant_types", new[] { "client_credentials" }), ("scope", "posts.read"), ("expires_in", 3600), ("max_uses", 10_000));

    private static Dictionary<string, object?> DynamicClientMetadata(string? clientId) => Json(("client_id", clientId),
        ("client_name", "Fuzz Zoë 日本"), ("grant_types", new[] { "client_credentials" }), ("scope", "posts.read"),
        ("token_endpoint_auth_method", "client_secret_post"));

    private static string NewEmail() => $"fuzz-{Guid.NewGuid():N}@example.test";


    private static Dictionary<string, string> Bearer(string token) => Fields(("Authorization", $"Bearer {token}"));

    // RFC 6749 2.3.1: form-urlencoded before base64.
    private static Dictionary<string, string> Basic(string clientId, string secret) => Fields(("Authorization",
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}"))));

    /// <summary>A user, with a cookie session (and its antiforgery token) and an account token of another session.</summary>
    private sealed record Principal(string Id, string Email, string AccessToken, string CookieHeader, string Antiforgery)
    {
        public IReadOnlyDictionary<string, string> Cookie => Fields(("Cookie", CookieHeader));

        public IReadOnlyDictionary<string, string> Bearer => MalformedInputFuzzTests.Bearer(AccessToken);
    }
}
