using System.Net;
using System.Net.Http.Headers;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Revocation.DPoP;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// BoardApi's Redis stops: whether a DPoP proof was used before cannot be known, so a DPoP-bound token gets 503 with
/// Retry-After at once (fail closed, no degraded window), while bearer tokens are still judged on the known revocations.
/// Once Redis is back, proofs are accepted again.
/// </summary>
public sealed class DPoPOutageTests : IAsyncLifetime
{
    // GET of an unknown post: 404 proves the token was accepted, without touching the post-list cache in Redis.
    private static readonly string Path = $"/posts/{Guid.Empty}";
    private static readonly string Url = $"http://localhost{Path}";

    private readonly RedisProcess _redis = new();
    private readonly DPoPKey _key = DPoPKey.CreateEs256();
    private IdentityServerFactory _identity = null!;
    private BoardApiFactory _board = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        // The IdentityServer on the shared test Redis; only BoardApi's own is stopped.
        _identity = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort());
        await _identity.InitializeAsync();
        _board = new BoardApiFactory(_identity.Issuer, redisPrefix: _identity.RedisPrefix, overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionStringAs(Service.BoardApi),
            // Long enough that revocations are not what answers 503 here.
            ["Revocation:DegradedWindow"] = "00:05:00",
        });
        _board.StartServer();
    }

    public async Task DisposeAsync()
    {
        _key.Dispose();
        await _board.DisposeAsync();
        await _identity.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RedisStopped_BoundTokenUnavailable_BearerServed_ThenRecovered()
    {
        var forge = await TokenForge.ForAsync(_identity);
        var bound = forge.Create(claims => claims["cnf"] = new Dictionary<string, object> { ["jkt"] = _key.Thumbprint });
        var bearer = forge.Create();
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(bound));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(bearer, dpop: false));

        await _redis.StopAsync();

        using var refused = await SendAsync(bound);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("DPoP", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(bearer, dpop: false));

        await _redis.StartAsync();

        await Eventually.TrueAsync(async () => await StatusAsync(bound) == HttpStatusCode.NotFound, TimeSpan.FromSeconds(30));
    }

    private async Task<HttpStatusCode> StatusAsync(string token, bool dpop = true)
    {
        using var response = await SendAsync(token, dpop);
        return response.StatusCode;
    }

    // A new proof each time: a refused request spends none, an accepted one spends its own.
    private async Task<HttpResponseMessage> SendAsync(string token, bool dpop = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Path);
        request.Headers.Authorization = new AuthenticationHeaderValue(dpop ? "DPoP" : "Bearer", token);
        if (dpop)
        {
            request.Headers.Add(DPoPProofValidator.HeaderName, _key.Proof("GET", Url, token));
        }

        return await _board.CreateClient(accessToken: null).SendAsync(request);
    }
}
