using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.ResourceIndicators.ResourceRequests;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ResourceIndicators;

/// <summary>
/// RFC 8707 at the authorization endpoint and PAR: resources named there limit the grant to them (its scopes of other
/// APIs are dropped, so consent, the code and the refresh token cover no more); each must be the resource of a scope
/// the request asks for, otherwise invalid_target.
/// </summary>
public sealed class AuthorizeResourceTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Authorize_NamingBoardApi_GrantForBoardApiAlone()
    {
        var (browser, code, pkce) = await AuthorizeAsync(server, SpaScopes, BoardApiResource);

        var tokens = await RedeemAsync(browser.Client, code, pkce);

        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.Equal([BoardApiResource], Audiences(tokens));
        Assert.Equal(["offline_access", "openid", "posts.read", "posts.write", "profile", "roles"], Scopes(tokens));
        Assert.False(string.IsNullOrEmpty(tokens.Get("id_token")));
        // The account API is not in the grant: no refresh of it reaches that API.
        var account = await RefreshAsync(browser.Client, tokens.Get("refresh_token"), server.AccountResource);
        Assert.Equal("invalid_target", account.Error);
        var again = await RefreshAsync(browser.Client, tokens.Get("refresh_token"));
        Assert.Equal([BoardApiResource], Audiences(again));
    }

    [Fact]
    public async Task Authorize_NamingBothApis_OneTokenForEach()
    {
        var (browser, code, pkce) = await AuthorizeAsync(server, SpaScopes, server.AccountResource, BoardApiResource);

        var board = await RedeemAsync(browser.Client, code, pkce, BoardApiResource);
        var account = await RefreshAsync(browser.Client, board.Get("refresh_token"), server.AccountResource);

        Assert.Equal([BoardApiResource], Audiences(board));
        Assert.Equal([server.AccountResource], Audiences(account));
    }

    [Fact]
    public async Task Authorize_UnknownResource_InvalidTarget()
    {
        var (browser, _) = await MultiFactor.MultiFactorBrowsing.SignedInAsync(server);

        var page = await browser.NavigateAsync(AuthorizeUrl(SpaScopes, Pkce.Create(), ["https://unknown.example/"]));

        Assert.Equal("invalid_target", ErrorOf(page));
    }

    [Fact]
    public async Task Authorize_ResourceOfAScopeTheClientMayNotUse_InvalidTarget()
    {
        var (browser, _) = await MultiFactor.MultiFactorBrowsing.SignedInAsync(server);

        // The SPA may not have the admin scope; Acme Planner (a third party) not the account scope.
        var admin = await browser.NavigateAsync(AuthorizeUrl(SpaScopes, Pkce.Create(), [server.AdminResource]));
        var account = await browser.NavigateAsync(AuthorizeUrl("openid posts.read", Pkce.Create(), [server.AccountResource],
            ThirdPartyClientId, ThirdPartyRedirectUri));

        Assert.Equal("invalid_target", ErrorOf(admin));
        Assert.Equal("invalid_target", ErrorOf(account));
    }

    [Fact]
    public async Task Authorize_ResourceOfAScopeNotAskedFor_InvalidTarget()
    {
        var (browser, _) = await MultiFactor.MultiFactorBrowsing.SignedInAsync(server);

        // The SPA may have the account scope, but does not ask for it: a token for that API would carry no scope.
        var page = await browser.NavigateAsync(AuthorizeUrl("openid posts.read", Pkce.Create(), [server.AccountResource]));

        Assert.Equal("invalid_target", ErrorOf(page));
    }

    [Fact]
    public async Task Pushed_NamingBoardApi_GrantForBoardApiAlone()
    {
        var (browser, _) = await MultiFactor.MultiFactorBrowsing.SignedInAsync(server);
        var pkce = Pkce.Create();
        var pushed = await PushAsync(browser.Client, pkce, BoardApiResource);
        Assert.Equal(HttpStatusCode.Created, pushed.Status);

        var callback = await browser.NavigateAsync(QueryHelpers.AddQueryString("/connect/authorize",
            new Dictionary<string, string?> { ["client_id"] = SpaClientId, ["request_uri"] = pushed.Get("request_uri") }));
        var tokens = await RedeemAsync(browser.Client, callback.RedirectParameters["code"], pkce);

        Assert.Equal([BoardApiResource], Audiences(tokens));
        Assert.DoesNotContain("account", Scopes(tokens));
    }

    [Fact]
    public async Task Pushed_UnknownResource_InvalidTarget()
    {
        var pushed = await PushAsync(server.CreateClient(), Pkce.Create(), "https://unknown.example/");

        Assert.Equal(HttpStatusCode.BadRequest, pushed.Status);
        Assert.Equal("invalid_target", pushed.Error);
    }

    [Fact]
    public async Task Pushed_ResourceOfAScopeTheClientMayNotUse_InvalidTarget()
    {
        var pushed = await PushAsync(server.CreateClient(), Pkce.Create(), server.AdminResource);

        Assert.Equal(HttpStatusCode.BadRequest, pushed.Status);
        Assert.Equal("invalid_target", pushed.Error);
    }

    private static Task<TokenResponse> PushAsync(HttpClient client, Pkce pkce, string resource) =>
        OAuth.PostAsync(client, "/connect/par", new Dictionary<string, string>
        {
            ["client_id"] = SpaClientId, ["redirect_uri"] = SpaRedirectUri, ["response_type"] = "code", ["scope"] = SpaScopes,
            ["state"] = "pushed", ["nonce"] = "n-1", ["code_challenge"] = pkce.Challenge, ["code_challenge_method"] = "S256",
            ["resource"] = resource,
        });
}
