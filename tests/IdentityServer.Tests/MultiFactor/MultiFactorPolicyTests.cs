using System.Net;
using System.Text.Json;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.MultiFactor.MultiFactorBrowsing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>
/// Who must present a second factor, and what tokens then say: acr_values=mfa (step-up within the session), a client
/// registered with require_mfa, a role in MultiFactor:RequiredRoles (enrolment after the password), the password grant
/// (refused for such accounts), and a refresh after the factor was removed.
/// </summary>
public sealed class MultiFactorPolicyTests : IAsyncLifetime
{
    private const string StrictClientId = "strict-app";
    private const string StrictRedirectUri = "http://127.0.0.1:5021/callback";

    private readonly IdentityServerFactory _server = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
    {
        [$"Seed:Clients:{StrictClientId}:Type"] = "public",
        [$"Seed:Clients:{StrictClientId}:ConsentType"] = "implicit",
        [$"Seed:Clients:{StrictClientId}:GrantTypes:0"] = "authorization_code",
        [$"Seed:Clients:{StrictClientId}:GrantTypes:1"] = "refresh_token",
        [$"Seed:Clients:{StrictClientId}:RedirectUris:0"] = StrictRedirectUri,
        [$"Seed:Clients:{StrictClientId}:Scopes:0"] = "openid",
        [$"Seed:Clients:{StrictClientId}:Scopes:1"] = "offline_access",
        [$"Seed:Clients:{StrictClientId}:RequireMfa"] = "true",
        ["MultiFactor:RequiredRoles:0"] = "auditor",
        ["MultiFactor:RequiredRoles:1"] = "admin",
    });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task PasswordOnly_TokensSaySingleFactor_AndDiscoveryNamesTheLevels()
    {
        var (browser, _) = await SignedInAsync(_server);

        var tokens = await TokensAsync(browser, "openid posts.read");

        Assert.Equal(["pwd"], Amr(tokens.Get("id_token")));
        Assert.Equal("sfa", Acr(tokens.Get("id_token")));
        Assert.Equal("sfa", Acr(tokens.Get("access_token")));
        // For resource servers that introspect instead (RFC 7662): the same level.
        var introspection = await OAuth.IntrospectAsync(browser.Client, tokens.Get("access_token"));
        Assert.Equal("sfa", introspection.Get("acr"));
        using var discovery = JsonDocument.Parse(await browser.Client.GetStringAsync("/.well-known/openid-configuration"));
        Assert.Equal(["sfa", "mfa"], discovery.RootElement.GetProperty("acr_values_supported").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task AcrValuesMfa_SingleFactorSession_StepsUpWithinTheSession()
    {
        // A password-only session, from before the user enrolled an authenticator in another browser.
        var (laptop, email) = await SignedInAsync(_server);
        var before = await TokensAsync(laptop, "openid");
        Assert.Equal("sfa", Acr(before.Get("id_token")));
        var phone = _server.CreateBrowser();
        await OAuth.SignInAsync(phone, email, Password);
        var (key, _) = await EnrolAuthenticatorAsync(phone);

        var pkce = Pkce.Create();
        var asked = await laptop.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce, extra: ("acr_values", "mfa")));
        Assert.Equal("/Account/SecondFactor", asked.Url.AbsolutePath);
        var done = await SubmitCodeAsync(laptop, asked, Totp.Code(key, 1));

        var tokens = await OAuth.RedeemCodeAsync(laptop.Client, SpaClientId, SpaRedirectUri, done.RedirectParameters["code"], pkce.Verifier);
        Assert.Equal("mfa", Acr(tokens.Get("id_token")));
        Assert.Equal(["pwd", "otp", "mfa"], Amr(tokens.Get("id_token")));
        Assert.Equal(Sid(before), Sid(tokens));
    }

    [Fact]
    public async Task AcrValuesMfa_PromptNone_LoginRequired_AndDeclined_UnmetAuthenticationRequirements()
    {
        var (browser, _) = await SignedInAsync(_server);

        var silent = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create(),
            extra: [("acr_values", "mfa"), ("prompt", "none")]));
        Assert.Equal("login_required", silent.RedirectParameters["error"]);

        // No factor yet: enrolment, which the user cancels.
        var enrolment = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create(),
            extra: ("acr_values", "mfa")));
        Assert.Equal("/Account/TwoFactor/Authenticator", enrolment.Url.AbsolutePath);
        var declined = await browser.NavigateAsync(enrolment.Document!.QuerySelector("#decline-second-factor")!.GetAttribute("href")!);
        Assert.Equal("unmet_authentication_requirements", declined.RedirectParameters["error"]);
    }

    [Fact]
    public async Task ClientRequiringMfa_UserWithoutFactor_EnrolsThenGetsMfaTokens()
    {
        var (browser, _) = await SignedInAsync(_server);
        var pkce = Pkce.Create();

        var enrolment = await browser.NavigateAsync(OAuth.AuthorizeUrl(StrictClientId, StrictRedirectUri, "openid offline_access", pkce));
        Assert.Equal("/Account/TwoFactor/Authenticator", enrolment.Url.AbsolutePath);
        Assert.NotNull(enrolment.Document!.QuerySelector("#second-factor-required"));
        var key = enrolment.Document.QuerySelector("#authenticator-key")!.TextContent.Replace(" ", "");
        var codes = await browser.SubmitAsync(enrolment, "form", new Dictionary<string, string> { ["code"] = Totp.Code(key) });
        var callback = await browser.NavigateAsync(codes.Document!.QuerySelector("#continue")!.GetAttribute("href")!);

        var tokens = await OAuth.RedeemCodeAsync(browser.Client, StrictClientId, StrictRedirectUri, callback.RedirectParameters["code"], pkce.Verifier);
        Assert.Equal("mfa", Acr(tokens.Get("access_token")));

        // Two-factor sign-in turned off: this sign-in no longer has its factor, so the client gets nothing more from it.
        var page = await browser.NavigateAsync("/Account/TwoFactor");
        await browser.SubmitAsync(page, "#turn-off", new Dictionary<string, string> { ["confirmation"] = Password });
        var refreshed = await OAuth.RefreshAsync(browser.Client, StrictClientId, tokens.Get("refresh_token"));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (refreshed.Status, refreshed.Get("error")));
    }

    [Fact]
    public async Task FactorRemoved_RefreshOfAnMfaSignIn_SaysSingleFactorFromThen()
    {
        var (browser, email) = await SignedInAsync(_server);
        var (key, _) = await EnrolAuthenticatorAsync(browser);
        var phone = _server.CreateBrowser();
        await SubmitCodeAsync(phone, await PasswordAsync(phone, email), Totp.Code(key, 1));
        var tokens = await TokensAsync(phone);
        Assert.Equal("mfa", Acr(tokens.Get("access_token")));

        var refreshed = await OAuth.RefreshAsync(phone.Client, SpaClientId, tokens.Get("refresh_token"));
        Assert.Equal("mfa", Acr(refreshed.Get("access_token")));
        Assert.Equal(Amr(tokens.Get("id_token")), Amr(refreshed.Get("id_token")));

        var page = await browser.NavigateAsync("/Account/TwoFactor");
        await browser.SubmitAsync(page, "#authenticator form", new Dictionary<string, string> { ["confirmation"] = Password });

        var afterRemoval = await OAuth.RefreshAsync(phone.Client, SpaClientId, refreshed.Get("refresh_token"));
        Assert.Equal("sfa", Acr(afterRemoval.Get("access_token")));
        Assert.Equal(["pwd"], Amr(afterRemoval.Get("id_token")));

        // A new app is another factor: the old sign-in does not get its level back.
        await EnrolAuthenticatorAsync(browser);
        var afterReEnrolment = await OAuth.RefreshAsync(phone.Client, SpaClientId, afterRemoval.Get("refresh_token"));
        Assert.Equal("sfa", Acr(afterReEnrolment.Get("access_token")));
    }

    [Fact]
    public async Task PendingSignIn_PasswordRightSecondFactorNotGiven_NoTokensNoAccountPages()
    {
        var (browser, email) = await SignedInAsync(_server);
        await EnrolAuthenticatorAsync(browser);
        var attacker = _server.CreateBrowser();

        var secondFactor = await PasswordAsync(attacker, email);

        Assert.Equal("/Account/SecondFactor", secondFactor.Url.AbsolutePath);
        var authorize = await attacker.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()));
        Assert.Null(authorize.ExternalRedirect);
        Assert.Equal("/Account/Login", authorize.Url.AbsolutePath);
        Assert.Equal("/Account/Login", (await attacker.NavigateAsync("/Account/TwoFactor")).Url.AbsolutePath);
    }

    [Fact]
    public async Task RemovingAFactor_WrongConfirmation_NothingRemoved()
    {
        var (browser, email) = await SignedInAsync(_server);
        await EnrolAuthenticatorAsync(browser);

        var page = await browser.NavigateAsync("/Account/TwoFactor");
        var refused = await browser.SubmitAsync(page, "#turn-off", new Dictionary<string, string> { ["confirmation"] = "not-my-password" });

        Assert.Equal(Account.Manage.TwoFactorModel.ConfirmationFailedMessage, refused.Document!.QuerySelector("#two-factor-error")!.TextContent);
        Assert.Equal("/Account/SecondFactor", (await PasswordAsync(_server.CreateBrowser(), email)).Url.AbsolutePath);
    }

    [Fact]
    public async Task RequiredRole_WithoutFactor_TakenThroughEnrolmentAfterThePassword_AndCannotTurnItOff()
    {
        var user = await _server.CreateUserAsync(Password, "auditor");
        var browser = _server.CreateBrowser();

        var enrolment = await PasswordAsync(browser, user.Email!);
        Assert.Equal("/Account/TwoFactor/Authenticator", enrolment.Url.AbsolutePath);
        Assert.NotNull(enrolment.Document!.QuerySelector("#second-factor-required"));
        // Leaving enrolment does not get tokens: the authorization endpoint sends the user back.
        var skipped = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()));
        Assert.Equal("/Account/TwoFactor/Authenticator", skipped.Url.AbsolutePath);

        var key = enrolment.Document.QuerySelector("#authenticator-key")!.TextContent.Replace(" ", "");
        await browser.SubmitAsync(enrolment, "form", new Dictionary<string, string> { ["code"] = Totp.Code(key) });
        Assert.Equal("mfa", Acr((await TokensAsync(browser)).Get("access_token")));

        var page = await browser.NavigateAsync("/Account/TwoFactor");
        var refused = await browser.SubmitAsync(page, "#turn-off", new Dictionary<string, string> { ["confirmation"] = Password });
        Assert.Equal(Account.Manage.TwoFactorModel.RequiredByRoleMessage, refused.Document!.QuerySelector("#two-factor-error")!.TextContent);
    }

    [Fact]
    public async Task AdminRoleRequiringMfa_SingleFactorCookie_AdminActionsForbiddenUntilEnrolled()
    {
        var admin = await _server.CreateUserAsync(Password, "admin");
        var target = await _server.CreateUserAsync(Password);
        var browser = _server.CreateBrowser();
        var enrolment = await PasswordAsync(browser, admin.Email!);

        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.GetAsync($"/admin/users/{target.Id}/sessions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Client.PostAsync($"/admin/users/{target.Id}/lock", null)).StatusCode);

        var key = enrolment.Document!.QuerySelector("#authenticator-key")!.TextContent.Replace(" ", "");
        await browser.SubmitAsync(enrolment, "form", new Dictionary<string, string> { ["code"] = Totp.Code(key) });
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync($"/admin/users/{target.Id}/sessions")).StatusCode);
    }

    [Fact]
    public async Task PasswordGrant_AccountWithSecondFactor_ClearErrorAfterTheRightPasswordOnly()
    {
        var (browser, email) = await SignedInAsync(_server);
        await EnrolAuthenticatorAsync(browser);
        using var api = _server.CreateClient();

        var right = await OAuth.PostAsync(api, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = AuthApiClient.ClientId, ["username"] = email, ["password"] = Password, ["scope"] = "openid",
        });
        var wrong = await OAuth.PostAsync(api, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = AuthApiClient.ClientId, ["username"] = email, ["password"] = "Wr0ng!Password", ["scope"] = "openid",
        });

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant", PasswordGrant.SecondFactorNeededDescription),
            (right.Status, right.Get("error"), right.Get("error_description")));
        Assert.Equal(PasswordGrant.FailureDescription, wrong.Get("error_description"));

        // A role that requires a factor, and none enrolled yet: the same answer.
        var auditor = await _server.CreateUserAsync(Password, "auditor");
        var required = await OAuth.PostAsync(api, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = AuthApiClient.ClientId, ["username"] = auditor.Email!, ["password"] = Password, ["scope"] = "openid",
        });
        Assert.Equal(PasswordGrant.SecondFactorNeededDescription, required.Get("error_description"));
    }

    private static string Sid(TokenResponse tokens) =>
        new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.Get("id_token")).GetPayloadValue<string>("sid");
}
