using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Validation;
using RedisJwt.BoardApi.Tests.Infrastructure;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>BoardApi validating JWT access tokens locally, with keys it found through the issuer's discovery document.</summary>
public sealed class TokenValidationTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    private Task<HttpResponseMessage> ListPostsAsync(string? token) => fixture.Board.CreateClient(token).GetAsync("/posts");

    private async Task<TokenForge> ForgeAsync() => await TokenForge.ForAsync(fixture.Identity);

    [Fact]
    public async Task Request_WithUserAccessToken_Accepted()
    {
        var user = await fixture.SignInNewUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await ListPostsAsync(user.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task Request_WithClientCredentialsToken_Accepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await ListPostsAsync(await fixture.ClientTokenAsync())).StatusCode);
    }

    [Fact]
    public async Task Request_WithForgeryBaseline_Accepted()
    {
        // Every forgery below differs from this token in one respect only.
        Assert.Equal(HttpStatusCode.OK, (await ListPostsAsync((await ForgeAsync()).Create())).StatusCode);
    }

    [Fact]
    public async Task Request_WithoutToken_InvalidToken()
    {
        var response = await ListPostsAsync(null);
        AssertNoTokenChallenges(response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Token_AlgNone_InvalidToken() => AssertInvalidToken(await ListPostsAsync((await ForgeAsync()).Unsigned()));

    [Fact]
    public async Task Token_TamperedPayload_InvalidToken()
    {
        var token = (await fixture.ClientTokenAsync("posts.read")).Split('.');
        var claims = System.Text.Json.Nodes.JsonNode.Parse(Base64UrlEncoder.Decode(token[1]))!;
        claims["sub"] = "someone-else";
        token[1] = Base64UrlEncoder.Encode(claims.ToJsonString());
        AssertInvalidToken(await ListPostsAsync(string.Join('.', token)));
    }

    [Fact]
    public async Task Token_TamperedSignature_InvalidToken()
    {
        var token = await fixture.ClientTokenAsync("posts.read");
        var signature = Base64UrlEncoder.DecodeBytes(token[(token.LastIndexOf('.') + 1)..]);
        signature[10] ^= 0x01;
        AssertInvalidToken(await ListPostsAsync(token[..(token.LastIndexOf('.') + 1)] + Base64UrlEncoder.Encode(signature)));
    }

    [Fact]
    public async Task Token_SignedByOtherKeyWithIssuersKid_InvalidToken() =>
        AssertInvalidToken(await ListPostsAsync((await ForgeAsync()).SignedByOtherKeyWithSameKid()));

    [Fact]
    public async Task Token_Hs256KeyedWithIssuersPublicKey_InvalidToken() =>
        AssertInvalidToken(await ListPostsAsync((await ForgeAsync()).HmacWithPublicKey()));

    [Fact]
    public async Task Token_RealIdToken_InvalidToken()
    {
        var user = await fixture.SignInNewUserAsync();
        AssertInvalidToken(await ListPostsAsync(user.Session.IdToken));
    }

    [Fact]
    public async Task Token_IdTokenTypeForBoardApiAudience_InvalidToken()
    {
        // Right key, audience and scopes, but typ "JWT" (an ID token's): only at+jwt is an access token (RFC 9068 4).
        AssertInvalidToken(await ListPostsAsync((await ForgeAsync()).Create(type: "JWT")));
    }

    [Theory]
    [InlineData("other-api")]
    [InlineData("board-api")] // the audience before resource identifiers, and BoardApi's client id
    [InlineData("http://127.0.0.1:5002")] // BoardApi's resource, but not character for character
    public async Task Token_ForOtherAudience_InvalidToken(string audience) =>
        AssertInvalidToken(await ListPostsAsync((await ForgeAsync()).Create(claims => claims["aud"] = audience)));

    [Fact]
    public async Task Token_FromOtherIssuer_InvalidToken() =>
        AssertInvalidToken(await ListPostsAsync((await ForgeAsync()).Create(claims => claims["iss"] = "https://evil.example/")));

    [Fact]
    public async Task Token_ExpiredBeyondClockSkew_InvalidToken()
    {
        var expired = (await ForgeAsync()).Create(claims =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            (claims["iat"], claims["nbf"], claims["exp"]) = (now - 600, now - 600, now - 120);
        });
        AssertInvalidToken(await ListPostsAsync(expired));
    }

    [Fact]
    public async Task Token_ExpiredWithinClockSkew_Accepted()
    {
        // Auth:ClockSkew is 30 seconds: a token that expired 5 seconds ago on a slightly fast issuer clock still works.
        var justExpired = (await ForgeAsync()).Create(claims =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            (claims["iat"], claims["nbf"], claims["exp"]) = (now - 300, now - 300, now - 5);
        });
        Assert.Equal(HttpStatusCode.OK, (await ListPostsAsync(justExpired)).StatusCode);
    }

    [Fact]
    public async Task Token_WithoutSubject_InvalidToken() =>
        AssertInvalidToken(await ListPostsAsync((await ForgeAsync()).Create(claims => claims.Remove("sub"))));

    [Fact]
    public void Options_OnlyAsymmetricAlgorithms()
    {
        // Defence in depth (RFC 8725 3.1): even a symmetric key in the JWKS could not make an HMAC token valid.
        var options = fixture.Board.Services.GetRequiredService<IOptionsMonitor<OpenIddictValidationOptions>>().CurrentValue;
        var algorithms = options.TokenValidationParameters.ValidAlgorithms;
        Assert.Contains(SecurityAlgorithms.RsaSha256, algorithms);
        Assert.DoesNotContain(algorithms, algorithm => algorithm.StartsWith("HS", StringComparison.Ordinal) || algorithm == "none");
    }

    [Fact]
    public async Task Token_Garbage_InvalidToken() => AssertInvalidToken(await ListPostsAsync("not-a-jwt"));

    [Fact]
    public async Task Write_WithReadOnlyScope_ForbiddenWithInsufficientScope()
    {
        var client = fixture.Board.CreateClient(await fixture.ClientTokenAsync("posts.read"));
        var response = await client.PostAsJsonAsync("/posts", new { title = "t", content = "c" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"insufficient_scope\"", challenge.Parameter);
        Assert.Contains("scope=\"posts.write\"", challenge.Parameter);
    }

    [Fact]
    public async Task Read_WithoutReadScope_ForbiddenWithInsufficientScope()
    {
        var response = await ListPostsAsync(await fixture.ClientTokenAsync("posts.write"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("scope=\"posts.read\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter);
    }

    [Fact]
    public async Task Token_InQueryString_NotAccepted()
    {
        // RFC 9700 4.3.2 / RFC 6750 2.3: a token in a URL leaks into logs and histories; only the header counts.
        var token = await fixture.ClientTokenAsync();
        var response = await fixture.Board.CreateClient(null).GetAsync($"/posts?access_token={token}");
        AssertNoTokenChallenges(response);
    }

    [Fact]
    public async Task Token_InFormBody_NotAccepted()
    {
        var token = await fixture.ClientTokenAsync();
        var response = await fixture.Board.CreateClient(null).PostAsync("/posts",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["access_token"] = token }));
        AssertNoTokenChallenges(response);
    }
}
