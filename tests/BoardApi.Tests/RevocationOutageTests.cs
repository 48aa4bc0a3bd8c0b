using System.Diagnostics;
using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// Redis stops while everything runs, then comes back. BoardApi goes on with the revocations it knew for the
/// degraded window, then fails closed (503); the IdentityServer refuses revocations it cannot record.
/// Once Redis is back, BoardApi resynchronizes and nothing revoked before the outage is forgotten.
/// </summary>
public sealed class RevocationOutageTests : IAsyncLifetime
{
    // Long enough for the checks below on a machine busy with the other test projects.
    private static readonly TimeSpan DegradedWindow = TimeSpan.FromSeconds(10);

    private readonly RedisProcess _redis = new();
    private IdentityServerFactory _identity = null!;
    private BoardApiFactory _board = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _identity = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(),
            overrides: new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = _redis.ConnectionStringAs(Service.IdentityServer) });
        await _identity.InitializeAsync();
        _board = new BoardApiFactory(_identity.Issuer, redisPrefix: _identity.RedisPrefix, overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionStringAs(Service.BoardApi),
            ["Revocation:DegradedWindow"] = DegradedWindow.ToString(),
        });
        _board.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _board.DisposeAsync();
        await _identity.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RedisStoppedAndRestarted_DegradedThenClosedThenRecoveredWithNothingLost()
    {
        var revokedBefore = await Tokens.SignInNewUserAsync(_identity, Tokens.UserScopes);
        var valid = await Tokens.SignInNewUserAsync(_identity, Tokens.UserScopes);
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(_identity.CreateApiClient(), revokedBefore.AccessToken)).Status);
        await Eventually.TrueAsync(async () => await StatusAsync(revokedBefore) == HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(valid));

        await _redis.StopAsync();
        var stoppedAt = Stopwatch.StartNew();

        // Within the window: judged on the last known state.
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(valid));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(revokedBefore));
        // The IdentityServer will not pretend to revoke what it cannot record; the token stays active everywhere.
        var refused = await OAuth.RevokeAsSpaAsync(_identity.CreateApiClient(), valid.AccessToken);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "temporarily_unavailable"), (refused.Status, refused.Error));
        Assert.True((await OAuth.IntrospectAsync(_identity.CreateApiClient(), valid.AccessToken)).Json.GetProperty("active").GetBoolean());
        Assert.True(stoppedAt.Elapsed < DegradedWindow,
            $"the checks above must run inside the degraded window; they took {stoppedAt.Elapsed.TotalMilliseconds:F0} ms");

        // After it: fail closed.
        await Eventually.TrueAsync(async () => await StatusAsync(valid) == HttpStatusCode.ServiceUnavailable, DegradedWindow * 2);

        await _redis.StartAsync();

        await Eventually.TrueAsync(async () => await StatusAsync(valid) == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(revokedBefore));
        // The IdentityServer reconnects on its own schedule; a client retries temporarily_unavailable.
        await Eventually.TrueAsync(async () => (await OAuth.RevokeAsSpaAsync(_identity.CreateApiClient(), valid.AccessToken)).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => await StatusAsync(valid) == HttpStatusCode.Unauthorized);
    }

    // GET of an unknown post: 404 proves the token was accepted, without touching the post-list cache.
    private async Task<HttpStatusCode> StatusAsync(SignedInUser user) =>
        (await _board.CreateClient(user.AccessToken).GetAsync($"/posts/{Guid.Empty}")).StatusCode;
}
