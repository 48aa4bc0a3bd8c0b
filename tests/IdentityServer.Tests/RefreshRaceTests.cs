using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Concurrency on one refresh token: exactly one outcome, never a live token left behind.</summary>
public sealed class RefreshRaceTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task FiftyParallelRefreshes_ExactlyOneSucceedsAndTheFamilyEndsRevoked()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, spa.RefreshToken)));

        var winner = Assert.Single(responses, response => response.Status == HttpStatusCode.OK);
        Assert.All(responses.Where(response => response != winner), response => Assert.Equal("invalid_grant", response.Error));
        // The losers were replays of a redeemed token: reuse detection revoked the family, the winner's new tokens included.
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, winner.Get("refresh_token"))).Error);
        Assert.False((await OAuth.IntrospectAsync(server.CreateApiClient(), winner.Get("access_token"))).Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task RefreshRacingRevocation_NoLiveTokenLeftBehind()
    {
        for (var round = 0; round < 30; round++)
        {
            var spa = await SignedInSpa.StartAsync(server);

            var racing = await Task.WhenAll(
                OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, spa.RefreshToken),
                OAuth.RevokeAsSpaAsync(server.CreateApiClient(), spa.RefreshToken));
            var (refresh, revoke) = (racing[0], racing[1]);

            Assert.Equal(HttpStatusCode.OK, revoke.Status);
            if (refresh.Status == HttpStatusCode.OK)
            {
                // The refresh won the race, and the revocation took its fresh tokens with the family.
                var replay = await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, refresh.Get("refresh_token"));
                Assert.True(replay.Error == "invalid_grant", $"round {round}: {replay.Status} {replay.Body}");
                Assert.False((await OAuth.IntrospectAsync(server.CreateApiClient(), refresh.Get("access_token"))).Json.GetProperty("active").GetBoolean());
            }
            else
            {
                Assert.Equal("invalid_grant", refresh.Error);
            }

            Assert.False((await OAuth.IntrospectAsync(server.CreateApiClient(), spa.AccessToken)).Json.GetProperty("active").GetBoolean());
        }
    }

    [Fact]
    public async Task RevokingTheJustRotatedRefreshToken_RevokesWhatTheRotationIssued()
    {
        // The slow end of the race above, made certain: the refresh completes before the revocation reads the token.
        var spa = await SignedInSpa.StartAsync(server);
        var rotated = await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, spa.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, rotated.Status);

        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(server.CreateApiClient(), spa.RefreshToken)).Status);

        var replay = await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, rotated.Get("refresh_token"));
        Assert.True(replay.Error == "invalid_grant", $"{replay.Status} {replay.Body}");
        Assert.False((await OAuth.IntrospectAsync(server.CreateApiClient(), rotated.Get("access_token"))).Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task RotatedRefreshToken_RevokedByItsClient_EndsTheFamilyAtResourceServersToo()
    {
        var spa = await SignedInSpa.StartAsync(server);
        var rotated = await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, spa.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(server.CreateApiClient(), spa.RefreshToken)).Status);

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, rotated.Get("refresh_token"))).Error);
        Assert.True(await server.FamilyRevokedInRedisAsync(rotated.Get("access_token")),
            "the family is not revoked in Redis: resource servers would accept its access tokens");
    }

    [Fact]
    public async Task RotatedRefreshToken_PresentedByAnotherClient_EndsNothing()
    {
        var spa = await SignedInSpa.StartAsync(server);
        var rotated = await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, spa.RefreshToken);

        // RFC 7009 2.2: 200 whatever the token; but it is not this client's grant to end (2.1).
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsThirdPartyAsync(server.CreateApiClient(), spa.RefreshToken)).Status);

        Assert.False(await server.FamilyRevokedInRedisAsync(rotated.Get("access_token")));
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, rotated.Get("refresh_token"))).Status);
    }

    [Fact]
    public async Task GraceWindow_CoversOnlyTheImmediatelyPrecedingRefreshToken()
    {
        await using var lenient = IdentityServerFactory.Create(NewDatabaseName(), NewRedisPrefix(),
            new Dictionary<string, string?> { ["Server:RefreshTokenReuseLeeway"] = "00:00:30" });
        var spa = await SignedInSpa.StartAsync(lenient);
        var first = spa.RefreshToken;
        var second = await OAuth.RefreshAsync(lenient.CreateApiClient(), SpaClientId, first);
        var third = await OAuth.RefreshAsync(lenient.CreateApiClient(), SpaClientId, second.Get("refresh_token"));
        Assert.Equal(HttpStatusCode.OK, third.Status);

        // A retry with the token just used (lost response) is granted...
        var retry = await OAuth.RefreshAsync(lenient.CreateApiClient(), SpaClientId, second.Get("refresh_token"));
        Assert.Equal(HttpStatusCode.OK, retry.Status);

        // ...but one two generations back is a replay, even within the window: the family is revoked.
        var replay = await OAuth.RefreshAsync(lenient.CreateApiClient(), SpaClientId, first);
        Assert.Equal("invalid_grant", replay.Error);
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(lenient.CreateApiClient(), SpaClientId, third.Get("refresh_token"))).Error);
    }

    [Fact]
    public async Task FailedRefresh_RetryIsAFirstUseNotAReplay()
    {
        // One token request per 2 s for the SPA: the code redemption uses it, so the refresh right after is refused.
        await using var limited = IdentityServerFactory.Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
        {
            ["RateLimits:Policies:token-requests-per-client:PermitLimit"] = "1",
            ["RateLimits:Policies:token-requests-per-client:Window"] = "00:00:02",
        });
        var spa = await SignedInSpa.StartAsync(limited);

        var refused = await OAuth.RefreshAsync(limited.CreateApiClient(), SpaClientId, spa.RefreshToken);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        await Task.Delay(TimeSpan.FromSeconds(int.Parse(refused.Headers!.RetryAfter!.ToString())));

        // The refused attempt redeemed nothing, so the same token works now: it is not treated as stolen.
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(limited.CreateApiClient(), SpaClientId, spa.RefreshToken)).Status);
    }
}
