using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.TokenRevocation;
using RedisJwt.Revocation;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.ResourceIndicators.ResourceRequests;
using static RedisJwt.IdentityServer.Tests.TokenExchange.TokenExchangeServer;
using static RedisJwt.Testing.IdentityServerFactory;
using static RedisJwt.Testing.TokenExchangeSeed;

namespace RedisJwt.IdentityServer.Tests.TokenExchange;

/// <summary>
/// RFC 8693 delegation: BoardApi exchanges the user's access token it was sent for a token to the notifications API
/// acting for the user (same sub, sid and family, act naming BoardApi), and every way of asking for more is refused.
/// </summary>
public sealed class TokenExchangeTests(TokenExchangeServer fixture) : IClassFixture<TokenExchangeServer>
{
    private readonly IdentityServerFactory _server = fixture.Server;

    private async Task<(HttpClient Client, TokenResponse Tokens)> UserAsync(string scopes = UserScopes + " offline_access",
        string? tokenResource = null)
    {
        var (browser, tokens) = await SignInAsync(_server, scopes, tokenResource);
        return (browser.Client, tokens);
    }

    [Fact]
    public async Task Exchange_UserTokenSentToBoardApi_NotificationsTokenActingAsBoardApi()
    {
        var (client, user) = await UserAsync();
        var subject = Access(user);

        var exchanged = await ExchangeAsync(client, BoardApi, user.Get("access_token"));

        Assert.True(exchanged.Status == HttpStatusCode.OK, exchanged.Body);
        Assert.Equal(AccessTokenType, exchanged.Get("issued_token_type"));
        Assert.Equal("Bearer", exchanged.Get("token_type"));
        Assert.False(exchanged.Json.TryGetProperty("refresh_token", out _));
        var token = await OAuth.ValidateJwtAsync(client, exchanged.Get("access_token"), NotificationsResource, "at+jwt");
        Assert.Equal([NotificationsResource], token.Audiences);
        Assert.Equal("notifications.read", token.GetClaim("scope").Value);
        foreach (var claim in new[] { "sub", "sid", "aid" })
        {
            Assert.Equal(subject.GetClaim(claim).Value, token.GetClaim(claim).Value);
        }

        Assert.Equal(BoardApiClientId, token.GetClaim("client_id").Value);
        Assert.Equal("""{"sub":"board-api"}""", ActOf(exchanged.Get("access_token")).GetRawText());
        Assert.True(token.ValidTo <= subject.ValidTo, $"{token.ValidTo} after the subject's {subject.ValidTo}");
        Assert.NotEqual(subject.Id, token.Id);
    }

    [Fact]
    public async Task Exchange_Audited_WithTheExchangingClientAndTheUser()
    {
        var (client, user) = await UserAsync();

        Assert.Equal(HttpStatusCode.OK, (await ExchangeAsync(client, BoardApi, user.Get("access_token"))).Status);

        Assert.Contains(fixture.Capture.Entries, entry => entry.Category.StartsWith("RedisJwt.Audit") && entry.Text.StartsWith(
            $"Tokens issued: grant {TokenExchangeGrant}, client {BoardApiClientId}, subject {Access(user).Subject}, refresh token False"));
    }

    [Fact]
    public async Task Exchange_AudienceParameter_SameAsResource()
    {
        var (client, user) = await UserAsync();

        var exchanged = await ExchangeAsync(client, BoardApi, user.Get("access_token"), ("audience", NotificationsResource));

        Assert.True(exchanged.Status == HttpStatusCode.OK, exchanged.Body);
        Assert.Equal([NotificationsResource], Access(exchanged).Audiences);
    }

    [Fact]
    public async Task Exchange_SubjectAlreadyDelegated_EarlierActorNestedInAct()
    {
        var (client, user) = await UserAsync();
        var first = await ExchangeAsync(client, BoardApi, user.Get("access_token"));

        var second = await ExchangeAsync(client, Notifications, first.Get("access_token"));

        Assert.True(second.Status == HttpStatusCode.OK, second.Body);
        Assert.Equal("""{"sub":"notifications-api","act":{"sub":"board-api"}}""", ActOf(second.Get("access_token")).GetRawText());
        Assert.Equal(Access(user).GetClaim("sub").Value, Access(second).GetClaim("sub").Value);
    }

    [Fact]
    public async Task Exchange_ScopeWiderThanTheSubject_InvalidScope()
    {
        var (client, user) = await UserAsync();

        // board-api may ask for notifications.send; the user's token does not grant it.
        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"), ("scope", "notifications.read notifications.send"));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_scope"), (refused.Status, refused.Error));
        Assert.False(refused.Json.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Exchange_SubjectWithoutAnyScopeOfTheTarget_InvalidScope()
    {
        var (client, user) = await UserAsync("openid posts.read");

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"));

        Assert.Equal("invalid_scope", refused.Error);
    }

    [Theory]
    [InlineData("resource", "http://127.0.0.1:5002/")] // BoardApi itself: not in board-api's list
    [InlineData("audience", "http://127.0.0.1:5002/")]
    public async Task Exchange_TargetNotAllowedForTheClient_InvalidTarget(string parameter, string target)
    {
        var (client, user) = await UserAsync();

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"), (parameter, target));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_target"), (refused.Status, refused.Error));
    }

    [Fact]
    public async Task Exchange_AccountApiTarget_InvalidTarget()
    {
        var (client, user) = await UserAsync();

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"), ("resource", _server.AccountResource));

        Assert.Equal("invalid_target", refused.Error);
    }

    [Fact]
    public async Task Exchange_TwoTargets_InvalidTarget()
    {
        var (client, user) = await UserAsync();

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"),
            ("resource", NotificationsResource), ("audience", BoardApiResource));

        Assert.Equal("invalid_target", refused.Error);
    }

    [Fact]
    public async Task Exchange_SubjectHeldByTheClientButSentToAnotherApi_InvalidGrant()
    {
        // partner-web signs the user in for BoardApi (it is the token's client); it is registered as the notifications
        // API and may exchange towards BoardApi. The token was never sent to the API it is: refused.
        var user = await _server.CreateUserAsync(Password);
        var browser = _server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, Password);
        var pkce = Pkce.Create();
        var (code, callback) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(PartnerClientId, PartnerRedirectUri, "openid posts.read", pkce));
        Assert.True(code.Length > 0, string.Join(", ", callback));
        var tokens = await TokenAsync(browser.Client, [("grant_type", "authorization_code"), ("code", code),
            ("redirect_uri", PartnerRedirectUri), ("code_verifier", pkce.Verifier)], [], Partner);
        Assert.True(tokens.Status == HttpStatusCode.OK, tokens.Body);

        var refused = await ExchangeAsync(browser.Client, Partner, tokens.Get("access_token"), ("resource", BoardApiResource));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (refused.Status, refused.Error));
    }

    [Fact]
    public async Task Exchange_SubjectForBoardApiOnly_ByTheNotificationsApi_InvalidGrant()
    {
        var (client, user) = await UserAsync(tokenResource: BoardApiResource);

        var refused = await ExchangeAsync(client, Notifications, user.Get("access_token"));

        Assert.Equal("invalid_grant", refused.Error);
    }

    [Fact]
    public async Task Exchange_SubjectRevokedAtTheRevocationEndpoint_InvalidGrant()
    {
        var (client, user) = await UserAsync();
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(client, user.Get("access_token"))).Status);

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"));

        Assert.Equal("invalid_grant", refused.Error);
    }

    [Fact]
    public async Task Exchange_SessionEnded_InvalidGrant()
    {
        var (client, user) = await UserAsync();
        await EndSessionAsync(Access(user));

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"));

        Assert.Equal("invalid_grant", refused.Error);
    }

    [Fact]
    public async Task Exchange_SubjectRevokedInRedisOnly_InvalidGrant()
    {
        // What resource servers know (a revocation whose PostgreSQL half is still to come): enough to refuse.
        var (client, user) = await UserAsync();
        var subject = Access(user);
        await _server.Services.GetRequiredService<RevocationWriter>().RevokeAsync(Revoked.Token(subject.Id, subject.ValidTo.AddMinutes(5)));

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"));

        Assert.Equal("invalid_grant", refused.Error);
    }

    [Fact]
    public async Task Exchange_SessionExpiredWithoutRevocation_InvalidGrant()
    {
        // An idle session leaves the store without anything being revoked: its tokens still validate, but no new one.
        var (client, user) = await UserAsync();
        var subject = Access(user);
        await _server.WithScopeAsync(services => services.GetRequiredService<SessionStore>()
            .EndAsync(subject.GetClaim("sub").Value, subject.GetClaim("sid").Value));

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"));

        Assert.Equal("invalid_grant", refused.Error);
    }

    [Fact]
    public async Task ExchangedToken_UserSessionEnds_RevokedEverywhere()
    {
        var (client, user) = await UserAsync();
        var exchanged = await ExchangeAsync(client, BoardApi, user.Get("access_token"));
        var token = exchanged.Get("access_token");
        Assert.True((await IntrospectAsNotificationsAsync(client, token)).Json.GetProperty("active").GetBoolean());

        await EndSessionAsync(Access(user));

        Assert.False((await IntrospectAsNotificationsAsync(client, token)).Json.GetProperty("active").GetBoolean());
        var view = _server.Services.GetRequiredService<RevocationView>();
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(TokenFacts.Of(new ClaimsPrincipal(
            new ClaimsIdentity(new JsonWebToken(token).Claims)))));
    }

    [Fact]
    public async Task ExchangedToken_UserLogsOutOfTheApp_RevokedEverywhere()
    {
        var user = await _server.CreateUserAsync(Password);
        var client = _server.CreateApiClient();
        var (access, _) = await AuthApiClient.SignInAsync(client, user.Email!, Password);
        var token = (await ExchangeAsync(client, BoardApi, access)).Get("access_token");

        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.LogoutAsync(client, access)).Status);

        Assert.False((await IntrospectAsNotificationsAsync(client, token)).Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task OtherGrant_AudienceParameter_InvalidRequest()
    {
        // Only token exchange reads audience (RFC 8693 2.1); OpenIddict refuses it elsewhere, registered audiences or not.
        var refused = await TokenAsync(_server.CreateApiClient(), [("grant_type", "client_credentials"), ("scope", "notifications.read"),
            ("audience", NotificationsResource)], [], BoardApi);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request"), (refused.Status, refused.Error));
    }

    [Fact]
    public async Task ExchangedToken_FamilyRevoked_RevokedEverywhere()
    {
        var (client, user) = await UserAsync();
        var token = (await ExchangeAsync(client, BoardApi, user.Get("access_token"))).Get("access_token");

        // The SPA revokes its refresh token: the whole family goes (RFC 7009 2.1), the delegated token with it.
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(client, user.Get("refresh_token"))).Status);

        Assert.False((await IntrospectAsNotificationsAsync(client, token)).Json.GetProperty("active").GetBoolean());
        Assert.True(await _server.FamilyRevokedInRedisAsync(token));
    }

    [Theory]
    [InlineData("urn:ietf:params:oauth:token-type:refresh_token")]
    [InlineData("urn:ietf:params:oauth:token-type:id_token")]
    [InlineData("urn:ietf:params:oauth:token-type:jwt")]
    public async Task Exchange_RequestedTokenTypeOtherThanAccessToken_InvalidRequestNamingIt(string type)
    {
        var (client, user) = await UserAsync();

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"), ("requested_token_type", type));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request"), (refused.Status, refused.Error));
        Assert.Contains("requested_token_type", refused.Json.GetProperty("error_description").GetString());
    }

    [Theory]
    [InlineData("refresh_token", "urn:ietf:params:oauth:token-type:refresh_token", "invalid_request")]
    [InlineData("refresh_token", AccessTokenType, "invalid_grant")]
    [InlineData("id_token", "urn:ietf:params:oauth:token-type:id_token", "invalid_request")]
    [InlineData("id_token", AccessTokenType, "invalid_grant")]
    public async Task Exchange_SubjectNotAnAccessToken_Refused(string which, string declaredType, string error)
    {
        var (client, user) = await UserAsync();

        var refused = await ExchangeAsync(client, BoardApi, user.Get(which), ("subject_token_type", declaredType));

        Assert.Equal((HttpStatusCode.BadRequest, error), (refused.Status, refused.Error));
    }

    [Fact]
    public async Task Exchange_ClientWithoutTheGrant_UnauthorizedClient()
    {
        var (client, user) = await UserAsync();

        var refused = await ExchangeAsync(client, (ThirdPartyClientId, ThirdPartySecret), user.Get("access_token"));

        Assert.Equal("unauthorized_client", refused.Error);
    }

    [Fact]
    public async Task Exchange_PublicClient_UnauthorizedClient()
    {
        // Registered around ClientDescriptors (which refuses it): the grant itself must refuse a client that cannot authenticate.
        const string publicClient = "public-exchanger";
        await _server.WithScopeAsync(async services =>
        {
            var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
            var descriptor = new OpenIddictApplicationDescriptor { ClientId = publicClient, ClientType = OpenIddictConstants.ClientTypes.Public };
            descriptor.Permissions.UnionWith([OpenIddictConstants.Permissions.Endpoints.Token, OpenIddictConstants.Permissions.GrantTypes.TokenExchange]);
            Clients.ClientProperties.SetResource(descriptor, BoardApiResource);
            Clients.ClientProperties.SetTokenExchangeAudiences(descriptor, [NotificationsResource]);
            return await applications.CreateAsync(descriptor);
        });
        var (client, user) = await UserAsync();

        var refused = await ExchangeAsync(client, null, user.Get("access_token"), ("client_id", publicClient));

        Assert.Equal("unauthorized_client", refused.Error);
    }

    [Fact]
    public async Task Exchange_ActorTokenOfTheClientItself_Accepted()
    {
        var (client, user) = await UserAsync();
        var own = await TokenAsync(client, [("grant_type", "client_credentials"), ("scope", "notifications.read")], [], BoardApi);

        var exchanged = await ExchangeAsync(client, BoardApi, user.Get("access_token"),
            ("actor_token", own.Get("access_token")), ("actor_token_type", AccessTokenType));

        Assert.True(exchanged.Status == HttpStatusCode.OK, exchanged.Body);
        Assert.Equal("""{"sub":"board-api"}""", ActOf(exchanged.Get("access_token")).GetRawText());
    }

    [Fact]
    public async Task Exchange_ActorTokenOfAnotherClient_InvalidGrant()
    {
        var (client, user) = await UserAsync();
        var other = await OAuth.ClientCredentialsAsync(client, "posts.read");

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"),
            ("actor_token", other), ("actor_token_type", AccessTokenType));

        Assert.Equal("invalid_grant", refused.Error);
    }

    [Fact]
    public async Task Exchange_ActorTokenOfAUserIssuedToTheClient_InvalidGrant()
    {
        // A token board-api itself got (by an earlier exchange) names the user, not board-api: no actor.
        var (client, user) = await UserAsync();
        var delegated = (await ExchangeAsync(client, BoardApi, user.Get("access_token"))).Get("access_token");

        var refused = await ExchangeAsync(client, BoardApi, user.Get("access_token"),
            ("actor_token", delegated), ("actor_token_type", AccessTokenType));

        Assert.Equal("invalid_grant", refused.Error);
    }

    [Fact]
    public async Task Exchange_WithDPoPProof_TokenBoundToTheClientsKey()
    {
        var (_, user) = await UserAsync();
        var key = DPoPKey.CreateEs256();
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = TokenExchangeGrant,
            ["subject_token"] = user.Get("access_token"),
            ["subject_token_type"] = AccessTokenType,
            ["resource"] = NotificationsResource,
        };

        var exchanged = await DPoPTokenRequests.WithNonceAsync(_server, form, key, BoardApi);

        Assert.True(exchanged.Status == HttpStatusCode.OK, exchanged.Body);
        Assert.Equal("DPoP", exchanged.Get("token_type"));
        Assert.Equal(key.Thumbprint, DPoPTokenRequests.BoundKeyOf(exchanged.Get("access_token")));
    }

    [Fact]
    public async Task Exchange_DPoPBoundSubjectWithoutAProof_Refused_WithOneBoundToTheClientsKey()
    {
        var (browser, code, pkce) = await AuthorizeAsync(_server, UserScopes);
        var user = await DPoPTokenRequests.WithNonceAsync(_server, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = SpaClientId, ["code"] = code,
            ["redirect_uri"] = SpaRedirectUri, ["code_verifier"] = pkce.Verifier,
        }, DPoPKey.CreateEs256());
        Assert.Equal("DPoP", user.Get("token_type"));
        var clientKey = DPoPKey.CreateEs256();

        var bearer = await ExchangeAsync(browser.Client, BoardApi, user.Get("access_token"));
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = TokenExchangeGrant,
            ["subject_token"] = user.Get("access_token"),
            ["subject_token_type"] = AccessTokenType,
            ["resource"] = NotificationsResource,
        };
        var bound = await DPoPTokenRequests.WithNonceAsync(_server, form, clientKey, BoardApi);

        Assert.Equal("invalid_dpop_proof", bearer.Error);
        Assert.False(bearer.Json.TryGetProperty("access_token", out _));
        Assert.True(bound.Status == HttpStatusCode.OK, bound.Body);
        Assert.Equal(clientKey.Thumbprint, DPoPTokenRequests.BoundKeyOf(bound.Get("access_token")));
    }

    private Task<SessionRecord?> EndSessionAsync(JsonWebToken subject) => _server.WithScopeAsync(services =>
        services.GetRequiredService<Revoker>().EndSessionAsync(subject.GetClaim("sub").Value, subject.GetClaim("sid").Value, RevocationCause.Logout));

    private static Task<TokenResponse> IntrospectAsNotificationsAsync(HttpClient client, string token) =>
        OAuth.PostAsync(client, "/connect/introspect", new Dictionary<string, string> { ["token"] = token }, Notifications);
}
