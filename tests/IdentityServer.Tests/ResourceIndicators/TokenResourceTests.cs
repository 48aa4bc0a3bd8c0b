using System.Net;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.ResourceIndicators.ResourceRequests;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ResourceIndicators;

/// <summary>
/// RFC 8707 at the token endpoint: a code redemption, refresh, client_credentials or /auth request naming one resource
/// gets an access token for that API alone (aud exactly it, only its scopes), while the refresh token keeps the whole
/// grant; a resource outside the grant or the client's scopes is invalid_target.
/// </summary>
public sealed class TokenResourceTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private static readonly (string, string) ThirdParty = (ThirdPartyClientId, ThirdPartySecret);

    [Fact]
    public async Task Code_NoResource_EveryResourceOfTheGrantedScopes()
    {
        var (browser, tokens) = await SignInAsync(server, SpaScopes);

        var access = await OAuth.ValidateJwtAsync(browser.Client, tokens.Get("access_token"), BoardApiResource, "at+jwt");
        Assert.Equal(Sorted(server.AccountResource, BoardApiResource), Audiences(tokens));
        Assert.Equal(SpaScopes.Split(' ').Order(StringComparer.Ordinal), Scopes(tokens));
        Assert.False(string.IsNullOrEmpty(access.GetClaim("sid").Value));
    }

    [Fact]
    public async Task Code_NamingBoardApi_TokenForBoardApiAlone_RefreshTokenKeepsTheGrant()
    {
        var (browser, tokens) = await SignInAsync(server, SpaScopes, tokenResource: BoardApiResource);

        await OAuth.ValidateJwtAsync(browser.Client, tokens.Get("access_token"), BoardApiResource, "at+jwt");
        Assert.Equal([BoardApiResource], Audiences(tokens));
        Assert.Equal(["posts.read", "posts.write"], Scopes(tokens));
        // The response says which scopes the token has, as they differ from the request (RFC 6749 5.1).
        Assert.Equal(["posts.read", "posts.write"], tokens.Get("scope").Split(' ').Order(StringComparer.Ordinal));
        // Claims follow the grant: the author's name for BoardApi, with profile granted; an ID token as before.
        Assert.Equal("Test User", Access(tokens).GetClaim("name").Value);
        Assert.False(string.IsNullOrEmpty(tokens.Get("id_token")));

        var everything = await RefreshAsync(browser.Client, tokens.Get("refresh_token"));
        Assert.Equal(HttpStatusCode.OK, everything.Status);
        Assert.Equal(Sorted(server.AccountResource, BoardApiResource), Audiences(everything));
    }

    [Fact]
    public async Task Refresh_NamingEachResourceInTurn_OneApiPerToken_OneFamily()
    {
        var (browser, signIn) = await SignInAsync(server, SpaScopes);
        var client = browser.Client;

        var account = await RefreshAsync(client, signIn.Get("refresh_token"), server.AccountResource);
        var board = await RefreshAsync(client, account.Get("refresh_token"), BoardApiResource);
        var accountAgain = await RefreshAsync(client, board.Get("refresh_token"), server.AccountResource);

        Assert.Equal([server.AccountResource], Audiences(account));
        Assert.Equal(["account"], Scopes(account));
        Assert.Equal([BoardApiResource], Audiences(board));
        Assert.Equal(["posts.read", "posts.write"], Scopes(board));
        Assert.Equal([server.AccountResource], Audiences(accountAgain));
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, account.Get("access_token"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, accountAgain.Get("access_token"))).Status);
        // One sign-in, one family: every token names the same session and the same authorization.
        foreach (var tokens in new[] { account, board, accountAgain })
        {
            Assert.Equal(Access(signIn).GetClaim("sid").Value, Access(tokens).GetClaim("sid").Value);
            Assert.Equal(Access(signIn).GetClaim("aid").Value, Access(tokens).GetClaim("aid").Value);
        }
    }

    [Fact]
    public async Task AccountApi_TokenForBoardApi_Unauthorized()
    {
        var (browser, signIn) = await SignInAsync(server, SpaScopes);
        var client = browser.Client;
        var board = await RefreshAsync(client, signIn.Get("refresh_token"), BoardApiResource);
        var account = await RefreshAsync(client, board.Get("refresh_token"), server.AccountResource);

        // The attack: BoardApi (or whoever holds its token) replays it at the account API.
        var me = await AuthApiClient.MeAsync(client, board.Get("access_token"));
        var sessions = await AuthApiClient.SendAsync(client, HttpMethod.Get, "/auth/sessions", bearer: board.Get("access_token"));

        Assert.Equal(HttpStatusCode.Unauthorized, me.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, sessions.Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.SendAsync(client, HttpMethod.Get, "/auth/sessions", bearer: account.Get("access_token"))).Status);
    }

    [Fact]
    public async Task Refresh_ResourceOutsideTheGrant_InvalidTarget_RefreshTokenStillRedeemable()
    {
        var (browser, signIn) = await SignInAsync(server, "openid offline_access posts.read");

        var refused = await RefreshAsync(browser.Client, signIn.Get("refresh_token"), server.AccountResource);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("invalid_target", refused.Error);
        Assert.False(refused.Json.TryGetProperty("access_token", out _));
        // Refused before anything was redeemed: the refresh token still works, its family is not taken for stolen.
        var refreshed = await RefreshAsync(browser.Client, signIn.Get("refresh_token"), BoardApiResource);
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.Equal([BoardApiResource], Audiences(refreshed));
    }

    [Theory]
    [InlineData("https://unknown.example/")]
    [InlineData("http://127.0.0.1:5002")] // BoardApi's, but not character for character
    public async Task Refresh_UnknownResource_InvalidTarget(string resource)
    {
        var (browser, signIn) = await SignInAsync(server, SpaScopes);

        var refused = await RefreshAsync(browser.Client, signIn.Get("refresh_token"), resource);

        Assert.Equal("invalid_target", refused.Error);
    }

    [Fact]
    public async Task Refresh_TwoResources_InvalidTarget()
    {
        var (browser, signIn) = await SignInAsync(server, SpaScopes);

        var refused = await RefreshAsync(browser.Client, signIn.Get("refresh_token"), server.AccountResource, BoardApiResource);

        Assert.Equal("invalid_target", refused.Error);
    }

    [Fact]
    public async Task Refresh_ResourceNotAnAbsoluteUri_InvalidRequest()
    {
        var (browser, signIn) = await SignInAsync(server, SpaScopes);

        // OpenIddict's own check of the parameter's form (RFC 8707 2: an absolute URI without a fragment).
        Assert.Equal("invalid_request", (await RefreshAsync(browser.Client, signIn.Get("refresh_token"), "board-api")).Error);
        Assert.Equal("invalid_request", (await RefreshAsync(browser.Client, signIn.Get("refresh_token"), BoardApiResource + "#posts")).Error);
    }

    [Fact]
    public async Task Code_ResourceOutsideTheGrant_InvalidTarget_CodeStillRedeemable()
    {
        var (browser, code, pkce) = await AuthorizeAsync(server, "openid posts.read");

        var refused = await RedeemAsync(browser.Client, code, pkce, server.AccountResource);
        var redeemed = await RedeemAsync(browser.Client, code, pkce, BoardApiResource);

        Assert.Equal("invalid_target", refused.Error);
        Assert.Equal(HttpStatusCode.OK, redeemed.Status);
        Assert.Equal([BoardApiResource], Audiences(redeemed));
    }

    [Fact]
    public async Task ClientCredentials_NamingBoardApi_TokenForBoardApiAlone()
    {
        var client = server.CreateClient();

        var tokens = await ClientCredentialsAsync(client, ThirdParty, "posts.read posts.write", BoardApiResource);

        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        var access = await OAuth.ValidateJwtAsync(client, tokens.Get("access_token"), BoardApiResource, "at+jwt");
        Assert.Equal([BoardApiResource], access.Audiences);
        Assert.Equal(["posts.read", "posts.write"], Scopes(tokens));
    }

    [Fact]
    public async Task ClientCredentials_ResourceOfAScopeTheClientMayNotUse_InvalidTarget()
    {
        var client = server.CreateClient();

        // third-party-demo may have the posts scopes only; admin-automation the admin scope only.
        var account = await ClientCredentialsAsync(client, ThirdParty, "posts.read", server.AccountResource);
        var admin = await ClientCredentialsAsync(client, ThirdParty, "posts.read", server.AdminResource);
        var board = await ClientCredentialsAsync(client, (AdminAutomationClientId, AdminAutomationSecret), "admin", BoardApiResource);
        var unknown = await ClientCredentialsAsync(client, ThirdParty, "posts.read", "https://unknown.example/");

        Assert.All([account, admin, board, unknown], refused =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal("invalid_target", refused.Error);
        });
    }

    [Fact]
    public async Task ClientCredentials_AdminAutomationNamingTheAdminApi_ManagesClients()
    {
        var client = server.CreateApiClient();

        var tokens = await ClientCredentialsAsync(client, (AdminAutomationClientId, AdminAutomationSecret), "admin", server.AdminResource);

        Assert.Equal([server.AdminResource], Audiences(tokens));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/clients");
        request.Headers.Authorization = new("Bearer", tokens.Get("access_token"));
        using var clients = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, clients.StatusCode);
    }

    [Fact]
    public async Task AuthApi_LoginForTheAccountApi_ThenRefreshForBoardApi()
    {
        var user = await server.CreateUserAsync(Password);
        var client = server.CreateApiClient();

        var login = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/login",
            new { email = user.Email, password = Password, resource = server.AccountResource });
        var board = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/refresh",
            new Dictionary<string, string> { ["refresh_token"] = login.Get("refresh_token"), ["resource"] = BoardApiResource });

        Assert.Equal(HttpStatusCode.OK, login.Status);
        Assert.Equal([server.AccountResource], Audiences(login));
        Assert.Equal("account", login.Get("scope"));
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, login.Get("access_token"))).Status);
        Assert.Equal(HttpStatusCode.OK, board.Status);
        Assert.Equal([BoardApiResource], Audiences(board));
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, board.Get("access_token"))).Status);
    }

    [Fact]
    public async Task AuthApi_RefreshNamingAnUnknownResource_InvalidTargetAsProblem()
    {
        var user = await server.CreateUserAsync(Password);
        var client = server.CreateApiClient();
        var (_, refreshToken) = await AuthApiClient.SignInAsync(client, user.Email!, Password);

        var refused = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/refresh",
            new Dictionary<string, string> { ["refresh_token"] = refreshToken, ["resource"] = "https://unknown.example/" });

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("invalid_target", refused.Get("error"));
    }
}
