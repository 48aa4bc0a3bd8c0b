using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// One audience per token (RFC 8707): a token the real IdentityServer issued for its account API is refused here, though
/// signed by the right key for the same user and session, while a token of the same sign-in for BoardApi is accepted.
/// </summary>
public sealed class ResourceAudienceTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    [Fact]
    public Task Token_ForTheAccountApi_InvalidToken_TokenForBoardApi_Accepted() => ResourceAudience.AssertOnlyBoardApisTokenAsync(fixture);

    [Fact]
    public async Task ClientCredentials_NamingBoardApi_Accepted()
    {
        var tokens = await OAuth.PostAsync(fixture.Identity.CreateApiClient(), "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["scope"] = "posts.read", ["resource"] = IdentityServerFactory.BoardApiResource,
        }, (IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret));

        Assert.Equal([IdentityServerFactory.BoardApiResource], new JsonWebToken(tokens.Get("access_token")).Audiences);
        Assert.Equal(HttpStatusCode.OK, (await fixture.Board.CreateClient(tokens.Get("access_token")).GetAsync("/posts")).StatusCode);
    }
}

/// <summary>The same with every token introspected: BoardApi's client may introspect tokens for BoardApi only.</summary>
public sealed class IntrospectedResourceAudienceTests(IntrospectionBoardFixture fixture) : IClassFixture<IntrospectionBoardFixture>
{
    [Fact]
    public Task Token_ForTheAccountApi_InvalidToken_TokenForBoardApi_Accepted() => ResourceAudience.AssertOnlyBoardApisTokenAsync(fixture);

    [Fact]
    public async Task Introspection_ByBoardApi_AnswerNamesTheTokensAudienceOnly()
    {
        var user = await fixture.SignInNewUserAsync("openid offline_access account posts.read");

        var answer = await OAuth.IntrospectAsync(fixture.Identity.CreateApiClient(), user.AccessToken);

        Assert.True(answer.Json.GetProperty("active").GetBoolean());
        var audiences = answer.Json.GetProperty("aud").EnumerateArray().Select(aud => aud.GetString()).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { IdentityServerFactory.BoardApiResource, fixture.Identity.Issuer.AbsoluteUri + "auth" }.Order(StringComparer.Ordinal), audiences);
        Assert.Equal(user.Id, answer.Get("sub"));
    }
}

internal static class ResourceAudience
{
    public static async Task AssertOnlyBoardApisTokenAsync(BoardFixture fixture)
    {
        var user = await fixture.SignInNewUserAsync("openid profile offline_access account posts.read");
        var identity = fixture.Identity.CreateApiClient();
        var account = await RefreshAsync(identity, user.Session.RefreshToken, fixture.Identity.Issuer.AbsoluteUri + "auth");
        var board = await RefreshAsync(identity, account.Get("refresh_token"), IdentityServerFactory.BoardApiResource);

        // The attack: whoever holds the account API's token (the account API, a leak there) replays it at BoardApi.
        AssertInvalidToken(await fixture.Board.CreateClient(account.Get("access_token")).GetAsync("/posts"));
        Assert.Equal(HttpStatusCode.OK, (await fixture.Board.CreateClient(board.Get("access_token")).GetAsync("/posts")).StatusCode);
    }

    private static async Task<TokenResponse> RefreshAsync(HttpClient identity, string refreshToken, string resource)
    {
        var tokens = await OAuth.PostAsync(identity, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["client_id"] = IdentityServerFactory.SpaClientId,
            ["refresh_token"] = refreshToken, ["resource"] = resource,
        });
        Assert.True(tokens.Status == HttpStatusCode.OK, tokens.Body);
        Assert.Equal([resource], new JsonWebToken(tokens.Get("access_token")).Audiences);
        return tokens;
    }
}
