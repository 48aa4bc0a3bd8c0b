using System.Diagnostics;
using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using Xunit.Abstractions;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// A JWT verified locally is recalled anyway: what the IdentityServer revokes, every BoardApi instance rejects at
/// once, and introspection agrees.
/// </summary>
public sealed class RevocationTests(BoardFixture fixture, ITestOutputHelper output) : IClassFixture<BoardFixture>
{
    private static readonly TimeSpan PropagationLimit = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task AccessToken_RevokedAtIdentityServer_RejectedByEveryInstanceWithinOneSecond()
    {
        await using var second = fixture.StartAnotherBoard();
        var user = await fixture.SignInNewUserAsync();
        var other = await fixture.SignInNewUserAsync();
        await AssertAcceptedAsync(user.AccessToken, fixture.Board, second);

        var clock = Stopwatch.StartNew();
        var revoked = await OAuth.RevokeAsSpaAsync(fixture.Identity.CreateApiClient(), user.AccessToken);
        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        var answeredMs = clock.ElapsedMilliseconds;
        await WaitUntilRejectedAsync(user.AccessToken, fixture.Board, second);
        var latency = clock.Elapsed;
        output.WriteLine($"revocation endpoint answered in {answeredMs} ms; both BoardApi instances rejected the token {latency.TotalMilliseconds:F0} ms after the revocation request was sent");

        Assert.True(latency < PropagationLimit, $"took {latency.TotalMilliseconds} ms");
        Assert.False((await OAuth.IntrospectAsync(fixture.Identity.CreateApiClient(), user.AccessToken)).Json.GetProperty("active").GetBoolean());
        await AssertAcceptedAsync(other.AccessToken, fixture.Board, second);
    }

    [Fact]
    public async Task RefreshToken_Revoked_WholeFamilyRejected()
    {
        var user = await fixture.SignInNewUserAsync();
        await AssertAcceptedAsync(user.AccessToken, fixture.Board);

        var revoked = await OAuth.RevokeAsSpaAsync(fixture.Identity.CreateApiClient(), user.Session.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, revoked.Status);

        // RFC 7009 2.1: the access tokens of the same grant go too.
        await WaitUntilRejectedAsync(user.AccessToken, fixture.Board);
        var refresh = await OAuth.RefreshAsync(fixture.Identity.CreateApiClient(), IdentityServerFactory.SpaClientId, user.Session.RefreshToken);
        Assert.Equal("invalid_grant", refresh.Error);
        Assert.False((await OAuth.IntrospectAsync(fixture.Identity.CreateApiClient(), user.AccessToken)).Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Logout_EndsSession_ItsTokensRejectedEverywhere()
    {
        await using var second = fixture.StartAnotherBoard();
        var user = await fixture.SignInNewUserAsync();
        var refreshed = await OAuth.RefreshAsync(user.Session.Browser.Client, IdentityServerFactory.SpaClientId, user.Session.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        await AssertAcceptedAsync(user.AccessToken, fixture.Board, second);

        var done = await user.Session.Browser.NavigateAsync(OAuth.EndSessionUrl(IdentityServerFactory.SpaClientId,
            IdentityServerFactory.SpaPostLogoutRedirectUri, user.Session.IdToken));
        Assert.NotNull(done.ExternalRedirect);

        // Both generations of access tokens of the session, and its refresh token.
        await WaitUntilRejectedAsync(user.AccessToken, fixture.Board, second);
        await WaitUntilRejectedAsync(refreshed.Get("access_token"), fixture.Board, second);
        var refresh = await OAuth.RefreshAsync(fixture.Identity.CreateApiClient(), IdentityServerFactory.SpaClientId, refreshed.Get("refresh_token"));
        Assert.Equal("invalid_grant", refresh.Error);
        Assert.False((await OAuth.IntrospectAsync(fixture.Identity.CreateApiClient(), refreshed.Get("access_token"))).Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task LogOutEverywhere_EverySessionsTokensRejectedEverywhere()
    {
        await using var second = fixture.StartAnotherBoard();
        var laptop = await fixture.SignInNewUserAsync();
        var phone = await Tokens.SignInAgainAsync(fixture.Identity, laptop);
        await AssertAcceptedAsync(laptop.AccessToken, fixture.Board, second);
        await AssertAcceptedAsync(phone.AccessToken, fixture.Board, second);

        var ended = await laptop.Session.Browser.Client.DeleteAsync("/account/sessions");

        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        await WaitUntilRejectedAsync(laptop.AccessToken, fixture.Board, second);
        await WaitUntilRejectedAsync(phone.AccessToken, fixture.Board, second);
        foreach (var session in new[] { laptop, phone })
        {
            var refresh = await OAuth.RefreshAsync(fixture.Identity.CreateApiClient(), IdentityServerFactory.SpaClientId, session.Session.RefreshToken);
            Assert.Equal("invalid_grant", refresh.Error);
        }

        // Signing in again right away works: the new session's tokens are not caught by the revocation.
        var again = await Tokens.SignInAgainAsync(fixture.Identity, laptop);
        await AssertAcceptedAsync(again.AccessToken, fixture.Board, second);
    }

    [Fact]
    public async Task RefreshTokenReplayed_FamilyRevokedIncludingTheNewestTokens()
    {
        var user = await fixture.SignInNewUserAsync();
        var client = fixture.Identity.CreateApiClient();
        var rotated = await OAuth.RefreshAsync(client, IdentityServerFactory.SpaClientId, user.Session.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        await AssertAcceptedAsync(rotated.Get("access_token"), fixture.Board);

        var replay = await OAuth.RefreshAsync(client, IdentityServerFactory.SpaClientId, user.Session.RefreshToken);

        Assert.Equal("invalid_grant", replay.Error);
        await WaitUntilRejectedAsync(rotated.Get("access_token"), fixture.Board);
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(client, IdentityServerFactory.SpaClientId, rotated.Get("refresh_token"))).Error);
    }

    [Fact]
    public async Task RevokedToken_ChallengeSaysRevoked()
    {
        var token = await fixture.ClientTokenAsync("posts.read");
        var revoked = await OAuth.RevokeAsThirdPartyAsync(fixture.Identity.CreateApiClient(), token);
        Assert.Equal(HttpStatusCode.OK, revoked.Status);

        await WaitUntilRejectedAsync(token, fixture.Board);

        var challenge = Assert.Single((await fixture.Board.CreateClient(token).GetAsync("/posts")).Headers.WwwAuthenticate).Parameter;
        Assert.Contains("error_description=\"The access token has been revoked.\"", challenge);
        Assert.DoesNotContain("error_uri", challenge);
    }

    [Fact]
    public async Task InstanceStartedAfterRevocation_RejectsAtOnce()
    {
        var user = await fixture.SignInNewUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(fixture.Identity.CreateApiClient(), user.AccessToken)).Status);
        await WaitUntilRejectedAsync(user.AccessToken, fixture.Board);

        await using var late = fixture.StartAnotherBoard();

        AssertInvalidToken(await late.CreateClient(user.AccessToken).GetAsync("/posts"));
    }

    [Fact]
    public async Task AuthApiToken_WorksLikeAnyOther_AndAuthLogoutRejectsItEverywhere()
    {
        await using var second = fixture.StartAnotherBoard();
        var user = await fixture.Identity.CreateUserAsync();
        var identity = fixture.Identity.CreateApiClient();
        var (accessToken, refreshToken) = await AuthApiClient.SignInAsync(identity, user.Email!, "Str0ng!Password");

        // BoardApi cannot tell it from a code-flow token: it reads and writes, as the user.
        await AssertAcceptedAsync(accessToken, fixture.Board, second);
        var post = await PostsClient.For(second, accessToken).CreateAsync();
        Assert.Equal(user.Id, post.AuthorId);

        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.LogoutAsync(identity, accessToken)).Status);

        await WaitUntilRejectedAsync(accessToken, fixture.Board, second);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(identity, refreshToken)).Get("error"));
        Assert.False((await OAuth.IntrospectAsync(identity, accessToken)).Json.GetProperty("active").GetBoolean());
    }
}
