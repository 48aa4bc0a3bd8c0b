using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using RedisJwt.Revocation;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>Auth:Mode = Introspection: every token is checked at the IdentityServer (RFC 7662) with BoardApi's own credentials.</summary>
public sealed class IntrospectionModeTests(IntrospectionBoardFixture fixture) : IClassFixture<IntrospectionBoardFixture>
{
    [Fact]
    public async Task Request_WithUserToken_AcceptedWithClaimsFromIntrospection()
    {
        var user = await fixture.SignInNewUserAsync();
        var created = await PostsClient.For(fixture.Board, user.AccessToken).CreateAsync();
        Assert.Equal((user.Id, user.DisplayName), (created.AuthorId, created.AuthorName));
    }

    [Fact]
    public async Task Request_WithRevokedToken_InvalidToken()
    {
        var token = await fixture.ClientTokenAsync();
        var posts = fixture.Board.CreateClient(token);
        Assert.Equal(HttpStatusCode.OK, (await posts.GetAsync("/posts")).StatusCode);

        // RFC 7009 revocation at the IdentityServer: introspection answers active=false from then on.
        var revoked = await OAuth.RevokeAsThirdPartyAsync(fixture.Identity.CreateApiClient(), token);
        Assert.Equal(HttpStatusCode.OK, revoked.Status);

        AssertInvalidToken(await posts.GetAsync("/posts"));
    }

    /// <summary>
    /// GHSA-cxgj-hwwh-855g (fixed in OpenIddict 7.9.0): a token whose authorization entry is revoked while its own token
    /// entry is not. Introspection checks both at the IdentityServer; revoked here in PostgreSQL only, without Redis,
    /// so nothing but the authorization entry can refuse it.
    /// </summary>
    [Fact]
    public async Task Request_WithTokenOfAuthorizationRevokedInDatabaseOnly_InvalidToken()
    {
        var user = await fixture.SignInNewUserAsync();
        var posts = fixture.Board.CreateClient(user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await posts.GetAsync("/posts")).StatusCode);

        var authorizationId = new JsonWebToken(user.AccessToken).GetClaim(TokenFacts.FamilyClaim).Value;
        Assert.True(await fixture.Identity.WithScopeAsync(async services =>
        {
            var authorizations = services.GetRequiredService<IOpenIddictAuthorizationManager>();
            return await authorizations.TryRevokeAsync((await authorizations.FindByIdAsync(authorizationId))!);
        }));

        AssertInvalidToken(await posts.GetAsync("/posts"));
    }

    [Fact]
    public async Task Request_WithTokenSignedByOtherKey_InvalidToken()
    {
        var forged = (await TokenForge.ForAsync(fixture.Identity)).SignedByOtherKeyWithSameKid();
        AssertInvalidToken(await fixture.Board.CreateClient(forged).GetAsync("/posts"));
    }

    [Fact]
    public async Task Request_WithDPoPBoundToken_InvalidTokenNot500()
    {
        // Introspection answers the token's cnf; with no local validation here its proof cannot be checked.
        using var key = DPoPKey.CreateEs256();
        var tokens = await DPoPTokenRequests.WithNonceAsync(fixture.Identity, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = "posts.read",
        }, key, (IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret));
        var token = tokens.Get("access_token");
        Assert.Equal(key.Thumbprint, DPoPTokenRequests.BoundKeyOf(token));

        AssertInvalidToken(await fixture.Board.CreateClient(token).GetAsync("/posts"));
        // Nor does its metadata offer DPoP (RFC 9728 2).
        var metadata = await fixture.Board.CreateClient(null).GetStringAsync("/.well-known/oauth-protected-resource");
        Assert.DoesNotContain("dpop_signing_alg_values_supported", metadata);
    }

    [Fact]
    public async Task Request_WithIdToken_InvalidToken()
    {
        var user = await fixture.SignInNewUserAsync();
        AssertInvalidToken(await fixture.Board.CreateClient(user.Session.IdToken).GetAsync("/posts"));
    }

    [Fact]
    public async Task Delete_ByAdminAfterPasswordSignIn_RoleAndAcrArriveThroughIntrospection_StepUpAsked()
    {
        var author = await fixture.SignInNewUserAsync();
        var admin = await fixture.SignInNewUserAsync(roles: "admin");
        var post = await PostsClient.For(fixture.Board, author.AccessToken).CreateAsync();

        var response = await PostsClient.For(fixture.Board, admin.AccessToken).DeleteRawAsync(post.Id);

        // 403 without the role; a step-up challenge with it, since a password sign-in's acr is sfa (RFC 9470).
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"insufficient_user_authentication\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter);
    }

    [Fact]
    public async Task Request_WithoutToken_InvalidToken() => AssertNoTokenChallenges(await fixture.Board.CreateClient(null).GetAsync("/posts"));

    [Fact]
    public async Task Write_WithReadOnlyScope_ForbiddenWithInsufficientScope()
    {
        var posts = PostsClient.For(fixture.Board, await fixture.ClientTokenAsync("posts.read"));
        var response = await posts.CreateRawAsync(new { title = "t", content = "c" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("error=\"insufficient_scope\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter);
    }
}
