using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Revocation.DPoP;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// DPoP-bound access tokens (RFC 9449) at BoardApi, two instances sharing Redis. The IdentityServer does not issue
/// bound tokens yet, so they are forged with its real signing key and a <c>cnf.jkt</c>: the right proof works, and each
/// way a thief holding the token but not the key would try is refused with a DPoP challenge.
/// </summary>
public sealed class DPoPTests(BoardFixture fixture) : IClassFixture<BoardFixture>, IDisposable
{
    private const string Posts = "http://localhost/posts";
    // Where BoardApi's resource identifier (Auth:Audience, run.sh's http://127.0.0.1:5002/) has its metadata (RFC 9728 3.1).
    private const string Metadata = "http://127.0.0.1:5002/.well-known/oauth-protected-resource";

    private readonly DPoPKey _key = DPoPKey.CreateEs256();

    [Fact]
    public async Task BoundToken_WithAProofEachRequest_AcceptedAtEitherInstance()
    {
        await using var second = fixture.StartAnotherBoard();
        var token = await BoundTokenAsync();

        foreach (var board in new[] { fixture.Board, second, fixture.Board })
        {
            using var response = await SendAsync(board, "DPoP", token, _key.Proof("GET", Posts, token));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task BoundToken_Write_ProofForPost_Created()
    {
        var token = await BoundTokenAsync();

        using var response = await SendAsync(fixture.Board, "DPoP", token, _key.Proof("POST", Posts, token), HttpMethod.Post,
            JsonContent.Create(new { title = "Bound", content = "Written with a DPoP-bound token." }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task StolenBoundToken_WithoutProof_InvalidDPoPProof()
    {
        var token = await BoundTokenAsync();

        AssertDPoPChallenge(await SendAsync(fixture.Board, "DPoP", token, proof: null), "invalid_dpop_proof", "no DPoP proof");
    }

    [Fact]
    public async Task StolenBoundToken_AsBearer_InvalidToken()
    {
        var token = await BoundTokenAsync();

        AssertDPoPChallenge(await SendAsync(fixture.Board, "Bearer", token, proof: null), "invalid_token", "DPoP scheme");
    }

    [Fact]
    public async Task BoundToken_AsBearerEvenWithAValidProof_InvalidToken()
    {
        var token = await BoundTokenAsync();

        AssertDPoPChallenge(await SendAsync(fixture.Board, "Bearer", token, _key.Proof("GET", Posts, token)), "invalid_token", "DPoP scheme");
    }

    [Fact]
    public async Task StolenBoundToken_ProofFromTheThiefsKey_InvalidDPoPProof()
    {
        var token = await BoundTokenAsync();
        using var thief = DPoPKey.CreateEs256();

        AssertDPoPChallenge(await SendAsync(fixture.Board, "DPoP", token, thief.Proof("GET", Posts, token)), "invalid_dpop_proof", "another key");
    }

    [Theory]
    [InlineData("GET", "http://localhost/posts/6d1f5b7e-8f3a-4c1e-9a55-2b7c0e4d9f10")]
    [InlineData("GET", "http://attacker.example/posts")]
    [InlineData("GET", "https://localhost/posts")]
    [InlineData("DELETE", Posts)]
    public async Task BoundToken_ProofForAnotherRequest_InvalidDPoPProof(string method, string url)
    {
        var token = await BoundTokenAsync();

        AssertDPoPChallenge(await SendAsync(fixture.Board, "DPoP", token, _key.Proof(method, url, token)), "invalid_dpop_proof", "DPoP proof's ht");
    }

    [Fact]
    public async Task BoundToken_ProofMadeForAnotherToken_InvalidDPoPProof()
    {
        var token = await BoundTokenAsync();
        var other = await BoundTokenAsync();

        AssertDPoPChallenge(await SendAsync(fixture.Board, "DPoP", token, _key.Proof("GET", Posts, other)), "invalid_dpop_proof", "ath");
    }

    [Fact]
    public async Task CapturedProof_ReplayedAtTheSameInstance_InvalidDPoPProof()
    {
        var token = await BoundTokenAsync();
        var proof = _key.Proof("GET", Posts, token);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Board, "DPoP", token, proof)).StatusCode);

        AssertDPoPChallenge(await SendAsync(fixture.Board, "DPoP", token, proof), "invalid_dpop_proof", "used before");
    }

    [Fact]
    public async Task CapturedProof_ReplayedAtTheOtherInstance_InvalidDPoPProof()
    {
        await using var second = fixture.StartAnotherBoard();
        var token = await BoundTokenAsync();
        var proof = _key.Proof("GET", Posts, token);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(fixture.Board, "DPoP", token, proof)).StatusCode);

        AssertDPoPChallenge(await SendAsync(second, "DPoP", token, proof), "invalid_dpop_proof", "used before");
    }

    [Fact]
    public async Task BoundToken_ProofWithoutSignature_InvalidDPoPProof()
    {
        var token = await BoundTokenAsync();

        AssertDPoPChallenge(await SendAsync(fixture.Board, "DPoP", token, _key.Unsigned("GET", Posts, token)), "invalid_dpop_proof", "not a signed JWT");
    }

    [Fact]
    public async Task BearerToken_AsDPoP_InvalidToken()
    {
        var token = await fixture.ClientTokenAsync("posts.read");

        AssertDPoPChallenge(await SendAsync(fixture.Board, "DPoP", token, _key.Proof("GET", Posts, token)), "invalid_token", "not bound");
    }

    [Fact]
    public async Task BearerToken_WithAProofBeside_ProofIgnoredAndAccepted()
    {
        var token = await fixture.ClientTokenAsync("posts.read");

        using var response = await SendAsync(fixture.Board, "Bearer", token, _key.Proof("GET", Posts, token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task BoundToken_LacksScope_DPoPChallengeInsufficientScope()
    {
        var token = await BoundTokenAsync(scope: "posts.read");

        using var response = await SendAsync(fixture.Board, "DPoP", token, _key.Proof("POST", Posts, token), HttpMethod.Post,
            JsonContent.Create(new { title = "t", content = "c" }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("DPoP", challenge.Scheme);
        Assert.Contains("error=\"insufficient_scope\"", challenge.Parameter);
        Assert.Contains("scope=\"posts.write\"", challenge.Parameter);
    }

    [Fact]
    public async Task NoToken_BearerAndDPoPChallenges_BothNamingTheMetadata()
    {
        using var response = await fixture.Board.CreateClient(accessToken: null).GetAsync("/posts");

        Responses.AssertNoTokenChallenges(response);
        var challenges = response.Headers.WwwAuthenticate.ToList();
        Assert.Equal($"resource_metadata=\"{Metadata}\", algs=\"{string.Join(' ', DPoPProofValidator.Algorithms)}\"", challenges[1].Parameter);
        Assert.All(challenges, challenge => Assert.Contains($"resource_metadata=\"{Metadata}\"", challenge.Parameter));
    }

    [Fact]
    public async Task InvalidBearerToken_ChallengeNamesTheMetadata()
    {
        using var response = await fixture.Board.CreateClient("not-a-jwt").GetAsync("/posts");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains($"resource_metadata=\"{Metadata}\"", challenge.Parameter);
    }

    [Fact]
    public async Task ResourceMetadata_Anonymous_DescribesBoardApi()
    {
        using var response = await fixture.Board.CreateClient(accessToken: null).GetAsync("/.well-known/oauth-protected-resource");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: > 0 }, response.Headers.CacheControl?.ToString());
        var metadata = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(IdentityServerFactory.BoardApiResource, metadata.GetProperty("resource").GetString());
        Assert.Equal([fixture.Identity.Issuer.AbsoluteUri], Strings(metadata, "authorization_servers"));
        Assert.Equal(["posts.read", "posts.write"], Strings(metadata, "scopes_supported"));
        Assert.Equal(["header"], Strings(metadata, "bearer_methods_supported"));
        Assert.Equal(DPoPProofValidator.Algorithms, Strings(metadata, "dpop_signing_alg_values_supported"));
        Assert.False(metadata.GetProperty("dpop_bound_access_tokens_required").GetBoolean());
    }

    [Fact]
    public async Task ResourceMetadata_IssuersAnnouncedServer_IsTheOneTheResourceNames()
    {
        // RFC 9728 3.3 / 7.6: a client checks that the authorization server listed publishes itself under that issuer.
        var metadata = await fixture.Board.CreateClient(accessToken: null).GetFromJsonAsync<JsonElement>("/.well-known/oauth-protected-resource");
        var issuer = Strings(metadata, "authorization_servers").Single();

        var discovery = await fixture.Identity.CreateApiClient().GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        Assert.Equal(issuer, discovery.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task ResourceMetadata_AudienceWithAPath_DocumentAndChallengesFollowRfc9728()
    {
        await using var board = new BoardApiFactory(fixture.Identity.Issuer, redisPrefix: fixture.Identity.RedisPrefix,
            overrides: new Dictionary<string, string?> { ["Auth:Audience"] = "https://api.example.com/board/" });
        board.StartServer();

        var metadata = await board.CreateClient(accessToken: null).GetFromJsonAsync<JsonElement>("/.well-known/oauth-protected-resource");
        using var refused = await board.CreateClient("not-a-jwt").GetAsync("/posts");

        // The resource identifier as tokens and clients name it (RFC 9728 3.3), trailing slash and all.
        Assert.Equal("https://api.example.com/board/", metadata.GetProperty("resource").GetString());
        // RFC 9728 3.1: the well-known part goes between the host and the resource's path.
        Assert.Contains("resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource/board\"",
            Assert.Single(refused.Headers.WwwAuthenticate).Parameter);
    }

    public void Dispose() => _key.Dispose();

    private async Task<string> BoundTokenAsync(string scope = "posts.read posts.write") =>
        (await TokenForge.ForAsync(fixture.Identity)).Create(claims =>
        {
            claims["cnf"] = new Dictionary<string, object> { ["jkt"] = _key.Thumbprint };
            claims["scope"] = scope;
        });

    private static async Task<HttpResponseMessage> SendAsync(BoardApiFactory board, string scheme, string token, string? proof,
        HttpMethod? method = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, "/posts") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        if (proof is not null)
        {
            request.Headers.Add(DPoPProofValidator.HeaderName, proof);
        }

        return await board.CreateClient(accessToken: null).SendAsync(request);
    }

    /// <summary>401 with one challenge, <c>DPoP error=..., algs=...</c> (RFC 9449 7.1), naming the metadata (RFC 9728 5.1).</summary>
    private static void AssertDPoPChallenge(HttpResponseMessage response, string error, string description)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var challenge = Assert.Single(response.Headers.WwwAuthenticate);
            Assert.Equal("DPoP", challenge.Scheme);
            Assert.StartsWith($"error=\"{error}\", error_description=\"", challenge.Parameter);
            Assert.Contains(description, challenge.Parameter);
            Assert.Contains($"resource_metadata=\"{Metadata}\"", challenge.Parameter);
            Assert.EndsWith($"algs=\"{string.Join(' ', DPoPProofValidator.Algorithms)}\"", challenge.Parameter);
        }
    }

    private static string[] Strings(JsonElement metadata, string name) =>
        [.. metadata.GetProperty(name).EnumerateArray().Select(item => item.GetString()!)];
}
