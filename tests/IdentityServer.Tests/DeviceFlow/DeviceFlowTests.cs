using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.IdentityServer.DeviceFlow;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.DeviceFlow.DeviceRequests;
using static RedisJwt.IdentityServer.Tests.MultiFactor.MultiFactorBrowsing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DeviceFlow;

/// <summary>
/// The device authorization grant (RFC 8628): the device endpoint's answer, the verification page's sign-in, second
/// factor and decision, polling (pending, slow_down, denied, expired) and the tokens, which end with the session that
/// approved them. The server's clock is shifted to let polling intervals and code lifetimes pass.
/// </summary>
public sealed partial class DeviceFlowTests(DeviceFlowTests.Server fixture) : IClassFixture<DeviceFlowTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public ShiftedClock Clock { get; } = new();

        public IdentityServerFactory Factory { get; } = Create(NewDatabaseName(), NewRedisPrefix(), DeviceClients);

        public Server() => Factory.TestServices = services => services.AddSingleton<TimeProvider>(Clock);

        public Task InitializeAsync() => Factory.InitializeAsync();

        public Task DisposeAsync() => Factory.DisposeAsync().AsTask();
    }

    private IdentityServerFactory server => fixture.Factory;

    private HttpClient Device() => server.CreateApiClient();

    /// <summary>Lets the polling interval pass, and then some: the next poll keeps the pace.</summary>
    private void Wait(int seconds) => fixture.Clock.Offset += TimeSpan.FromSeconds(seconds);

    [Fact]
    public async Task DeviceEndpoint_PublicClient_CodesVerificationUrisLifetimeInterval()
    {
        var response = await AuthorizeDeviceAsync(Device());

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.Get("device_code").Length >= 43);
        var userCode = response.Get("user_code");
        Assert.Matches(UserCodeForm(), userCode);
        Assert.Equal(new Uri(server.Issuer, "/connect/verify"), new Uri(response.Get("verification_uri")));
        Assert.Equal($"{server.Issuer}connect/verify?user_code={userCode}", response.Get("verification_uri_complete"));
        Assert.InRange(response.Json.GetProperty("expires_in").GetInt64(), 590, 600);
        Assert.Equal(5, response.Json.GetProperty("interval").GetInt64());
        Assert.Equal("no-store", response.Headers!.CacheControl!.ToString());
    }

    [Fact]
    public async Task Discovery_AdvertisesTheDeviceEndpointAndGrant()
    {
        var discovery = await TokenResponse.ReadAsync(await Device().GetAsync("/.well-known/openid-configuration"));

        Assert.EndsWith("/connect/device", discovery.Get("device_authorization_endpoint"));
        Assert.Contains(discovery.Json.GetProperty("grant_types_supported").EnumerateArray(), grant => grant.GetString() == DeviceCodeGrant);
    }

    [Fact]
    public async Task DeviceEndpoint_ClientWithoutTheGrant_Refused()
    {
        var response = await AuthorizeDeviceAsync(Device(), SpaClientId, "openid");

        Assert.Equal("unauthorized_client", response.Error);
    }

    [Fact]
    public async Task DeviceEndpoint_ConfidentialClient_NeedsItsSecret()
    {
        await using var confidential = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
        {
            ["Seed:Clients:device-confidential:Secret"] = "device-confidential-secret",
            ["Seed:Clients:device-confidential:GrantTypes:0"] = DeviceCodeGrant,
            ["Seed:Clients:device-confidential:Scopes:0"] = "posts.read",
        });
        var client = confidential.CreateApiClient();

        var anonymous = await AuthorizeDeviceAsync(client, "device-confidential", "posts.read");
        var wrong = await AuthorizeDeviceAsync(client, scope: "posts.read", basic: ("device-confidential", "not-the-secret"));
        var right = await AuthorizeDeviceAsync(client, scope: "posts.read", basic: ("device-confidential", "device-confidential-secret"));

        Assert.Equal("invalid_client", anonymous.Error);
        Assert.Equal("invalid_client", wrong.Error);
        Assert.Equal(HttpStatusCode.OK, right.Status);
    }

    [Fact]
    public async Task Polling_PendingThenSlowDownGrowingByFiveSeconds_ThenTokensOnceApproved()
    {
        var (browser, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());
        var deviceCode = codes.Get("device_code");

        Assert.Equal("authorization_pending", (await PollAsync(Device(), deviceCode)).Error);
        // At once again: too soon; the interval is 10 s from now on.
        Assert.Equal("slow_down", (await PollAsync(Device(), deviceCode)).Error);
        // 6 s would have kept the 5 s the device was told, not the 10 s it must keep now: 15 s from here.
        Wait(6);
        Assert.Equal("slow_down", (await PollAsync(Device(), deviceCode)).Error);
        Wait(15);
        Assert.Equal("authorization_pending", (await PollAsync(Device(), deviceCode)).Error);

        await ApproveAsync(browser, codes.Get("user_code"));
        Wait(15);
        var tokens = await PollAsync(Device(), deviceCode);

        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        var access = new JsonWebToken(tokens.Get("access_token"));
        Assert.Contains("posts.read", access.GetClaim("scope").Value.Split(' '));
        Assert.Equal(BoardApiResource, Assert.Single(access.Audiences));
        Assert.False(string.IsNullOrEmpty(access.GetClaim("sid").Value));
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(Device(), DeviceClientId, tokens.Get("refresh_token"))).Status);
        // Redeemed: the device code gives nothing more.
        Wait(15);
        Assert.Equal("invalid_grant", (await PollAsync(Device(), deviceCode)).Error);
    }

    [Fact]
    public async Task Denied_NextPollAccessDenied()
    {
        var (browser, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());

        var denied = await DecideAsync(browser, await EnterCodeAsync(browser, codes.Get("user_code")), "deny");

        Assert.NotNull(denied.Document?.QuerySelector("#device-denied"));
        Assert.Equal("access_denied", (await PollAsync(Device(), codes.Get("device_code"))).Error);
    }

    [Fact]
    public async Task CodeExpired_PollExpiredToken_UserCodeRefused()
    {
        var (browser, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());

        Wait(11 * 60);
        var poll = await PollAsync(Device(), codes.Get("device_code"));
        var entered = await EnterCodeAsync(browser, codes.Get("user_code"));

        Assert.Equal("expired_token", poll.Error);
        AssertWrongCode(entered);
    }

    [Fact]
    public async Task UserCode_UsedTwice_SecondTimeRefused()
    {
        var (first, _) = await SignedInAsync(server);
        var (second, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());
        await ApproveAsync(first, codes.Get("user_code"));

        var again = await EnterCodeAsync(second, codes.Get("user_code"));
        var againByTheFirst = await EnterCodeAsync(first, codes.Get("user_code"));

        AssertWrongCode(again);
        AssertWrongCode(againByTheFirst);
        Assert.Null(again.Document?.QuerySelector("#device-decision"));
    }

    [Fact]
    public async Task ApprovedDeviceCode_PolledByAnotherClient_NoTokens_TheDeviceStillGetsThem()
    {
        var (browser, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());
        await ApproveAsync(browser, codes.Get("user_code"));
        Wait(6);

        var stolen = await PollAsync(Device(), codes.Get("device_code"), MfaDeviceClientId);
        Wait(6);
        var own = await PollAsync(Device(), codes.Get("device_code"));

        Assert.Equal(HttpStatusCode.BadRequest, stolen.Status);
        Assert.False(stolen.Json.TryGetProperty("access_token", out _), stolen.Body);
        Assert.True(own.Status == HttpStatusCode.OK, own.Body);
    }

    [Fact]
    public async Task UserCode_TypedInLowerCaseWithoutTheDash_FoundAndShownWithTheAppAndScopes()
    {
        var (browser, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());
        var userCode = codes.Get("user_code");

        var consent = await EnterCodeAsync(browser, " " + userCode.Replace("-", " ").ToLowerInvariant());

        Assert.Equal("Device Test App", consent.Document?.QuerySelector("#device-app")?.TextContent);
        Assert.Equal(userCode, consent.Document?.QuerySelector("#device-code")?.TextContent);
        Assert.Equal(["openid", "offline_access", "posts.read"],
            consent.Document!.QuerySelectorAll("#device-scopes code").Select(code => code.TextContent));
    }

    [Fact]
    public async Task VerificationUriComplete_NotSignedIn_SignsInThenStillAsks()
    {
        var user = await server.CreateUserAsync(Password);
        var browser = server.CreateBrowser();
        var codes = await AuthorizeDeviceAsync(Device());

        var login = await browser.NavigateAsync(codes.Get("verification_uri_complete"));
        Assert.Equal("/Account/Login", login.Url.AbsolutePath);
        var consent = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = user.Email!, ["Input.Password"] = Password,
        });
        Assert.Equal("/connect/verify", consent.Url.AbsolutePath);
        // Prefilled, the code is still confirmed by the user (RFC 8628 5.4): no tokens until they allow it.
        Assert.Equal("authorization_pending", (await PollAsync(Device(), codes.Get("device_code"))).Error);
        var done = await DecideAsync(browser, consent, "accept");

        Assert.NotNull(done.Document?.QuerySelector("#device-approved"));
        Wait(6);
        var tokens = await PollAsync(Device(), codes.Get("device_code"));
        Assert.Equal(user.Id, new JsonWebToken(tokens.Get("access_token")).Subject);
    }

    [Fact]
    public async Task Decision_WithoutAntiforgeryToken_Refused()
    {
        var (browser, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());
        var consent = await EnterCodeAsync(browser, codes.Get("user_code"));

        var forged = await browser.SubmitAsync(consent, "#device-decision",
            new Dictionary<string, string> { ["__RequestVerificationToken"] = "forged" }, ("consent_decision", "accept"));

        Assert.Equal(HttpStatusCode.BadRequest, forged.Response.StatusCode);
        Assert.Equal("authorization_pending", (await PollAsync(Device(), codes.Get("device_code"))).Error);
    }

    [Fact]
    public async Task ClientRequiringMfa_PasswordSession_SecondFactorThenTokensWithMfa()
    {
        // A password-only session, from before the user set up an app in another browser.
        var (laptop, email) = await SignedInAsync(server);
        var phone = server.CreateBrowser();
        await OAuth.SignInAsync(phone, email, Password);
        var (key, _) = await EnrolAuthenticatorAsync(phone);
        var codes = await AuthorizeDeviceAsync(Device(), MfaDeviceClientId, "openid");

        var secondFactor = await EnterCodeAsync(laptop, codes.Get("user_code"));
        Assert.Equal("/Account/SecondFactor", secondFactor.Url.AbsolutePath);
        var consent = await SubmitCodeAsync(laptop, secondFactor, Totp.Code(key, 1));
        await DecideAsync(laptop, consent, "accept");

        var tokens = await PollAsync(Device(), codes.Get("device_code"), MfaDeviceClientId);
        Assert.Equal("mfa", Acr(tokens.Get("id_token")));
    }

    [Fact]
    public async Task SessionEnded_DevicesTokensEndWithIt()
    {
        var (browser, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());
        await ApproveAsync(browser, codes.Get("user_code"));
        var tokens = await PollAsync(Device(), codes.Get("device_code"));
        Assert.Equal(HttpStatusCode.OK, tokens.Status);

        var confirmation = await browser.NavigateAsync("/connect/logout");
        await browser.SubmitAsync(confirmation, "form[action='/connect/logout']", submitter: ("logout_confirm", "yes"));

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(Device(), DeviceClientId, tokens.Get("refresh_token"))).Error);
        Assert.Equal("false", (await OAuth.IntrospectAsync(Device(), tokens.Get("access_token"))).Json.GetProperty("active").ToString().ToLowerInvariant());
    }

    [Fact]
    public async Task AppAccessWithdrawn_DevicesFamilyRevoked()
    {
        var (browser, _) = await SignedInAsync(server);
        var codes = await AuthorizeDeviceAsync(Device());
        await ApproveAsync(browser, codes.Get("user_code"));
        var tokens = await PollAsync(Device(), codes.Get("device_code"));

        var apps = await browser.NavigateAsync("/Account/Apps");
        var removed = await browser.SubmitAsync(apps, "li[data-app='Device Test App'] form");
        Assert.True(removed.Document?.QuerySelector("li[data-app='Device Test App']") is null, removed.Body);

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(Device(), DeviceClientId, tokens.Get("refresh_token"))).Error);
        Assert.True(await server.FamilyRevokedInRedisAsync(tokens.Get("access_token")));
    }

    [GeneratedRegex("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")]
    private static partial Regex UserCodeForm();
}
