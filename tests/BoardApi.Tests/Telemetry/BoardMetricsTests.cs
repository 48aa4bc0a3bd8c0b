using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Telemetry;

/// <summary>A BoardApi with its management port (in memory: named by the Host header).</summary>
public sealed class MeteredBoardFixture : BoardFixture
{
    protected override IDictionary<string, string?> BoardSettings => new Dictionary<string, string?>
    {
        ["Management:Port"] = Scrape.ManagementPort.ToString(),
        ["RateLimits:Policies:board-writes:PermitLimit"] = "2",
        ["RateLimits:Policies:board-writes:Window"] = "01:00:00",
    };
}

/// <summary>BoardApi's token validation metrics: accepted tokens, and each kind of refused token under its reason.</summary>
public sealed class BoardMetricsTests(MeteredBoardFixture fixture) : IClassFixture<MeteredBoardFixture>
{
    private const string Rejected = "redisjwt_tokens_rejected_total";

    private Task<Scrape> ScrapeAsync() => Scrape.InMemoryAsync(fixture.Board.CreateClient(accessToken: null));

    private Task<HttpResponseMessage> ListPostsAsync(string? token) => fixture.Board.CreateClient(token).GetAsync("/posts");

    [Fact]
    public async Task TokensValidated_AcceptedToken_Counted()
    {
        var token = await fixture.ClientTokenAsync();
        var before = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, (await ListPostsAsync(token)).StatusCode);

        Assert.Equal(1, (await ScrapeAsync()).Since(before, "redisjwt_tokens_validated_total"));
    }

    [Fact]
    public async Task TokensRejected_EachKindOfBadToken_CountedUnderItsReason()
    {
        var forge = await TokenForge.ForAsync(fixture.Identity);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var user = await fixture.SignInNewUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(fixture.Identity.CreateApiClient(), user.AccessToken)).Status);
        var before = await ScrapeAsync();

        // Most reasons come from the OpenIddict error id in error_uri (no typed signal exists): one token per id, so
        // an OpenIddict upgrade that renumbers them fails here.
        (string Reason, string? Token)[] tokens =
        [
            ("missing", null),
            ("invalid", "garbage"),
            ("expired", forge.Create(claims => (claims["iat"], claims["nbf"], claims["exp"]) = (now - 600, now - 600, now - 120))), // ID2019
            ("unknown_key", forge.Create(signWith: new SigningCredentials(
                new RsaSecurityKey(RSA.Create(2048)) { KeyId = "unknown-kid" }, SecurityAlgorithms.RsaSha256))), // ID2090
            ("invalid_signature", forge.SignedByOtherKeyWithSameKid()), // ID2091
            ("wrong_issuer", forge.Create(claims => claims["iss"] = "https://other-issuer.example/")), // ID2088
            ("wrong_audience", forge.Create(claims => claims["aud"] = "other-api")), // ID2094
            ("wrong_audience", forge.Create(claims => claims.Remove("aud"))), // ID2093
            ("wrong_type", forge.Create(type: "JWT")), // ID2089
            ("no_subject", forge.Create(claims => claims.Remove("sub"))),
            ("revoked", user.AccessToken),
        ];
        foreach (var (reason, token) in tokens)
        {
            Assert.True((await ListPostsAsync(token)).StatusCode == HttpStatusCode.Unauthorized, reason);
        }

        var after = await ScrapeAsync();
        foreach (var reason in tokens.GroupBy(token => token.Reason))
        {
            var counted = after.Since(before, Rejected, ("reason", reason.Key));
            Assert.True(counted == reason.Count(), $"{reason.Key}: {counted}");
        }

        Assert.Equal(tokens.Length, after.Since(before, Rejected));
    }

    [Fact]
    public async Task RateLimitRejections_WritesOverTheLimit_CountedByPolicy()
    {
        var client = fixture.Board.CreateClient(await fixture.ClientTokenAsync());
        var before = await ScrapeAsync();

        for (var write = 0; write < 3; write++)
        {
            await client.PostAsync("/posts", System.Net.Http.Json.JsonContent.Create(new { title = "Counted", content = "One more." }));
        }

        Assert.Equal(1, (await ScrapeAsync()).Since(before, "redisjwt_ratelimit_rejections_total",
            ("policy", "board-writes"), ("reason", "limit")));
    }

    [Fact]
    public async Task Metrics_OnThePublicPort_NotFound() =>
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Board.CreateClient(accessToken: null).GetAsync("/metrics")).StatusCode);
}
