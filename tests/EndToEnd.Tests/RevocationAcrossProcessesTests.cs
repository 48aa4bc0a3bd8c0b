using System.Diagnostics;
using System.Net;
using RedisJwt.Testing;
using Xunit.Abstractions;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// Issue at one IdentityServer process, revoke at the other, and watch both BoardApi processes: a revocation takes
/// effect everywhere within a second, with no shared memory between the four processes.
/// </summary>
public sealed class RevocationAcrossProcessesTests(Deployment deployment, ITestOutputHelper output) : IClassFixture<Deployment>
{
    [Fact]
    public async Task TokenFromA_RevokedAtB_RejectedByBothBoardApisWithinOneSecond()
    {
        var token = await ClientTokenAsync(deployment.IdentityA);
        await AssertStatusAsync(token, HttpStatusCode.OK, deployment.BoardA, deployment.BoardB);

        var request = Stopwatch.StartNew();
        var revoked = await OAuth.RevokeAsThirdPartyAsync(deployment.IdentityB.CreateClient(), token);
        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        var answeredMs = request.ElapsedMilliseconds;

        // From the moment the IdentityServer says "revoked" until both resource servers act on it.
        var latency = await WaitUntilRejectedAsync(token, Stopwatch.StartNew(), deployment.BoardA, deployment.BoardB);

        output.WriteLine($"revocation endpoint of IdentityServer B answered in {answeredMs} ms; both BoardApi processes rejected the token {latency.TotalMilliseconds:F0} ms later");
        Assert.True(latency < TimeSpan.FromSeconds(1), $"{latency.TotalMilliseconds} ms");
        Assert.False((await OAuth.IntrospectAsync(deployment.IdentityA.CreateClient(), token)).Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task LogOutEverywhereAtB_EndsSessionsStartedAtA()
    {
        var (email, laptop) = await Deployment.RegisterAndSignInAsync(deployment.IdentityA);
        var cookies = new CookieContainer();
        var phone = await Deployment.SignInAgainAsync(deployment.IdentityA, email, cookies);
        await AssertStatusAsync(laptop.AccessToken, HttpStatusCode.OK, deployment.BoardA, deployment.BoardB);

        // The phone's browser, now talking to instance B: its cookie (Data Protection keys shared in Redis) works there.
        var ended = await Deployment.BrowserOn(deployment.IdentityB, cookies).Client.DeleteAsync("/account/sessions");
        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);

        var clock = Stopwatch.StartNew();
        await WaitUntilRejectedAsync(laptop.AccessToken, clock, deployment.BoardA, deployment.BoardB);
        await WaitUntilRejectedAsync(phone.AccessToken, clock, deployment.BoardA, deployment.BoardB);
        foreach (var session in new[] { laptop, phone })
        {
            var refresh = await OAuth.RefreshAsync(deployment.IdentityA.CreateClient(), IdentityServerFactory.SpaClientId, session.RefreshToken);
            Assert.Equal("invalid_grant", refresh.Error);
        }
    }

    [Fact]
    public async Task RefreshTokenReplayedAtB_FamilyRevokedEverywhere()
    {
        var (_, session) = await Deployment.RegisterAndSignInAsync(deployment.IdentityA);
        var rotated = await OAuth.RefreshAsync(deployment.IdentityA.CreateClient(), IdentityServerFactory.SpaClientId, session.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        await AssertStatusAsync(rotated.Get("access_token"), HttpStatusCode.OK, deployment.BoardA, deployment.BoardB);

        var replay = await OAuth.RefreshAsync(deployment.IdentityB.CreateClient(), IdentityServerFactory.SpaClientId, session.RefreshToken);

        Assert.Equal("invalid_grant", replay.Error);
        await WaitUntilRejectedAsync(rotated.Get("access_token"), Stopwatch.StartNew(), deployment.BoardA, deployment.BoardB);
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(deployment.IdentityA.CreateClient(), IdentityServerFactory.SpaClientId,
            rotated.Get("refresh_token"))).Error);
    }

    [Fact]
    public async Task BoardApiStartedAfterRevocation_RejectsAtOnce()
    {
        var token = await ClientTokenAsync(deployment.IdentityB);
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsThirdPartyAsync(deployment.IdentityA.CreateClient(), token)).Status);

        var late = await deployment.StartBoardAsync();

        await AssertStatusAsync(token, HttpStatusCode.Unauthorized, late);
    }

    private static Task<string> ClientTokenAsync(ServiceProcess identity) =>
        OAuth.ClientCredentialsAsync(identity.CreateClient(), "posts.read");

    private static async Task AssertStatusAsync(string token, HttpStatusCode expected, params ServiceProcess[] boards)
    {
        foreach (var board in boards)
        {
            Assert.Equal(expected, (await board.CreateClient(token).GetAsync("/posts")).StatusCode);
        }
    }

    /// <summary>Polls every instance until it answers 401; returns the time on <paramref name="clock"/> when all did.</summary>
    internal static async Task<TimeSpan> WaitUntilRejectedAsync(string token, Stopwatch clock, params ServiceProcess[] boards)
    {
        foreach (var board in boards)
        {
            using var client = board.CreateClient(token);
            HttpStatusCode status;
            while ((status = (await client.GetAsync("/posts")).StatusCode) == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(5);
            }

            Assert.True(status == HttpStatusCode.Unauthorized, $"{board.Name} answered {status}:\n{board.Output}");
        }

        return clock.Elapsed;
    }
}
