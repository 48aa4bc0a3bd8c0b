using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.BoardApi.Tests.Hardening;

/// <summary>
/// Review finding 7 (issue 17): a replayed authorization code was refused, but the tokens of its first redemption lived
/// on at resource servers. Now a replay revokes them like a replayed refresh token: in PostgreSQL and in Redis.
/// </summary>
public sealed class AuthorizationCodeReplayTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    [Fact]
    public async Task CodeReplayed_FirstRedemptionsAccessTokenRejectedByBoardApiWithinOneSecond()
    {
        var (code, verifier, browser) = await CodeAsync();
        var first = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, verifier);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var posts = fixture.Board.CreateClient(first.Get("access_token"));
        Assert.Equal(HttpStatusCode.OK, (await posts.GetAsync("/posts")).StatusCode);

        var replay = await OAuth.RedeemCodeAsync(fixture.Identity.CreateApiClient(), SpaClientId, SpaRedirectUri, code, verifier);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (replay.Status, replay.Error));
        await Eventually.TrueAsync(async () => (await posts.GetAsync("/posts")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(1));
        var refresh = await OAuth.RefreshAsync(browser.Client, SpaClientId, first.Get("refresh_token"));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (refresh.Status, refresh.Error));
    }

    [Fact]
    public async Task CodeRedeemedTenTimesAtOnce_OneAnswerWithTokensAndThoseRevoked()
    {
        var (code, verifier, _) = await CodeAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            OAuth.RedeemCodeAsync(fixture.Identity.CreateApiClient(), SpaClientId, SpaRedirectUri, code, verifier)));

        var issued = Assert.Single(answers, answer => answer.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(answer => answer != issued), answer => Assert.Equal("invalid_grant", answer.Error));
        var posts = fixture.Board.CreateClient(issued.Get("access_token"));
        await Eventually.TrueAsync(async () => (await posts.GetAsync("/posts")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(1));
    }

    private async Task<(string Code, string Verifier, Browser Browser)> CodeAsync()
    {
        var user = await fixture.Identity.CreateUserAsync(SignedInUser.Password);
        var browser = fixture.Identity.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, SignedInUser.Password);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser,
            OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, Tokens.UserScopes, pkce));
        return (code, pkce.Verifier, browser);
    }
}
