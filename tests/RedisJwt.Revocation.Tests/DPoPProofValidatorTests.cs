using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using RedisJwt.Revocation.DPoP;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.Revocation.Tests;

/// <summary>
/// DPoP proofs (RFC 9449 4.3) against the validator alone, its replay guard on the real test Redis: the baseline proof
/// is accepted, and each forgery, wrong in exactly one way, is refused for that reason.
/// </summary>
public sealed class DPoPProofValidatorTests : IAsyncLifetime
{
    private const string Url = "https://api.example.com/posts";
    private const string Token = "eyJhbGciOiJSUzI1NiJ9.an-access-token.signature";

    private static readonly DPoPOptions Settings = new();

    private readonly TestRedis _redis = new();
    private readonly DPoPKey _key = DPoPKey.CreateEs256();
    private DPoPProofValidator _validator = null!;

    public async Task InitializeAsync() => _validator = Validator(await _redis.ConnectAsync());

    public async Task DisposeAsync()
    {
        _key.Dispose();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Proof_Baseline_ValidWithItsKeysThumbprintAndNonce()
    {
        var result = await ValidateAsync(_key.Proof("GET", Url, Token, nonce: "server-nonce"), expectedThumbprint: _key.Thumbprint);

        Assert.Equal(new DPoPProofResult(DPoPProofStatus.Valid, _key.Thumbprint, "server-nonce", null), result);
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("ES384")]
    [InlineData("ES512")]
    [InlineData("RS256")]
    [InlineData("RS512")]
    [InlineData("PS256")]
    [InlineData("PS384")]
    public async Task Proof_EachAllowedAlgorithm_Valid(string algorithm)
    {
        using var key = DPoPKey.Create(algorithm);

        var result = await ValidateAsync(key.Proof("GET", Url, Token), expectedThumbprint: key.Thumbprint);

        Assert.Equal(DPoPProofStatus.Valid, result.Status);
        Assert.Equal(key.Thumbprint, result.Thumbprint);
    }

    [Fact]
    public async Task Request_WithoutDPoPHeader_Absent()
    {
        var result = await _validator.ValidateAsync(Request("GET", Url), Token, null);

        Assert.Equal(DPoPProofStatus.Absent, result.Status);
    }

    [Fact]
    public async Task Request_TwoDPoPHeaders_Invalid()
    {
        var request = Request("GET", Url, _key.Proof("GET", Url, Token), _key.Proof("GET", Url, Token));

        AssertInvalid(await _validator.ValidateAsync(request, Token, null), "more than one DPoP header");
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("eyJ0eXAiOiJkcG9wK2p3dCJ9.e30.")]
    [InlineData("eyJ0eXAiOiJkcG9wK2p3dCJ9.bm90IGpzb24.c2ln")]
    [InlineData("W10.e30.c2ln")]
    [InlineData("eyJ0eXAiOiJkcG9wK2p3dCJ9=.e30.c2ln")]
    public async Task Proof_Malformed_Invalid(string proof) =>
        AssertInvalid(await ValidateAsync(proof), "DPoP proof");

    [Theory]
    [InlineData("JWT")]
    [InlineData("at+jwt")]
    [InlineData("DPOP+JWT")]
    [InlineData(null)]
    public async Task Proof_WrongTyp_Invalid(string? type) =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (header, _) => header["typ"] = type)), "typ");

    [Fact]
    public async Task Proof_AlgNoneWithoutSignature_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Unsigned("GET", Url, Token)), "not a signed JWT");

    [Fact]
    public async Task Proof_AlgNoneWithSignature_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (header, _) => header["alg"] = "none")), "alg");

    [Fact]
    public async Task Proof_Hs256KeyedWithItsPublicJwk_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.HmacWithPublicKey("GET", Url, Token)), "alg");

    [Fact]
    public async Task Proof_AlgForAnotherCurve_Invalid()
    {
        using var p384 = DPoPKey.Create("ES384");

        // Signed with the P-384 key and labelled ES384, but carrying the P-256 key.
        var proof = p384.Proof("GET", Url, Token, change: (header, _) => header["jwk"] = _key.PublicJwk());

        AssertInvalid(await ValidateAsync(proof), "P-384");
    }

    [Fact]
    public async Task Proof_EcAlgWithRsaKey_Invalid()
    {
        using var rsa = DPoPKey.Create("RS256");

        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (header, _) => header["jwk"] = rsa.PublicJwk())), "matching alg");
    }

    [Fact]
    public async Task Proof_WithoutJwk_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (header, _) => header.Remove("jwk"))), "no jwk");

    [Fact]
    public async Task Proof_JwkWithPrivateKey_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (header, _) => header["jwk"] = _key.PrivateJwk())), "private key");

    [Fact]
    public async Task Proof_SymmetricJwk_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token,
            change: (header, _) => header["jwk"] = new JsonObject { ["kty"] = "oct", ["k"] = "c2VjcmV0" })), "private key");

    [Fact]
    public async Task Proof_JwkPointNotOnCurve_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (header, _) =>
        {
            var jwk = _key.PublicJwk();
            jwk["y"] = _key.PublicJwk()["x"]!.GetValue<string>();
            header["jwk"] = jwk;
        })), "valid public key");

    [Fact]
    public async Task Proof_Rsa1024Key_Invalid()
    {
        using var weak = DPoPKey.Create("RS256", rsaBits: 1024);

        AssertInvalid(await ValidateAsync(weak.Proof("GET", Url, Token)), "2048");
    }

    [Fact]
    public async Task Proof_CriticalHeader_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (header, _) => header["crit"] = new JsonArray("exp"))), "crit");

    [Fact]
    public async Task Proof_DuplicateHeaderMember_Invalid()
    {
        var proof = _key.Proof("GET", Url, Token).Split('.');
        var header = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(proof[0]));
        proof[0] = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(header.Replace("{", "{\"typ\":\"JWT\",")));

        AssertInvalid(await ValidateAsync(string.Join('.', proof)), "well-formed");
    }

    [Fact]
    public async Task Proof_BadSignature_Invalid() =>
        AssertInvalid(await ValidateAsync(DPoPKey.WithBadSignature(_key.Proof("GET", Url, Token))), "signature");

    [Fact]
    public async Task Proof_SignedByAnotherKeyThanItsJwk_Invalid()
    {
        using var other = DPoPKey.CreateEs256();

        AssertInvalid(await ValidateAsync(other.Proof("GET", Url, Token, change: (header, _) => header["jwk"] = _key.PublicJwk())), "signature");
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("get")]
    public async Task Proof_OtherMethod_Invalid(string method) =>
        AssertInvalid(await ValidateAsync(_key.Proof(method, Url, Token)), "htm");

    [Theory]
    [InlineData("https://other.example.com/posts")]
    [InlineData("https://api.example.com/posts/1")]
    [InlineData("https://api.example.com/Posts")]
    [InlineData("http://api.example.com/posts")]
    [InlineData("https://api.example.com:8443/posts")]
    [InlineData("https://user@api.example.com/posts")]
    [InlineData("/posts")]
    public async Task Proof_OtherUrl_Invalid(string htu) =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", htu, Token)), "htu");

    [Theory]
    [InlineData("https://api.example.com/posts?limit=5")]
    [InlineData("https://api.example.com/posts#top")]
    [InlineData("HTTPS://API.Example.COM/posts")]
    [InlineData("https://api.example.com:443/posts")]
    [InlineData("https://api.example.com/x/../posts")]
    public async Task Proof_SameUrlNormalized_Valid(string htu) =>
        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(_key.Proof("GET", htu, Token))).Status);

    [Fact]
    public async Task Request_WithQueryDefaultPortAndUpperCaseHost_ProofWithoutThem_Valid()
    {
        var request = Request("GET", "https://api.example.com/posts?cursor=abc", _key.Proof("GET", Url, Token));
        request.Host = new HostString("API.example.com:443");

        Assert.Equal(DPoPProofStatus.Valid, (await _validator.ValidateAsync(request, Token, null)).Status);
    }

    [Fact]
    public async Task Proof_IssuedJustWithinLifetimeAndSkew_Valid()
    {
        var proof = _key.Proof("GET", Url, Token, issuedAt: DateTimeOffset.UtcNow);
        _redis.Clock.Offset = Settings.ProofLifetime + Settings.ClockSkew - TimeSpan.FromSeconds(2);

        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(proof)).Status);
    }

    [Fact]
    public async Task Proof_OlderThanLifetimeAndSkew_Invalid()
    {
        var proof = _key.Proof("GET", Url, Token, issuedAt: DateTimeOffset.UtcNow);
        _redis.Clock.Offset = Settings.ProofLifetime + Settings.ClockSkew + TimeSpan.FromSeconds(2);

        AssertInvalid(await ValidateAsync(proof), "too old");
    }

    [Fact]
    public async Task Proof_FromWithinSkewAhead_Valid() =>
        Assert.Equal(DPoPProofStatus.Valid,
            (await ValidateAsync(_key.Proof("GET", Url, Token, issuedAt: DateTimeOffset.UtcNow + Settings.ClockSkew - TimeSpan.FromSeconds(2)))).Status);

    [Fact]
    public async Task Proof_FromBeyondSkewAhead_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, issuedAt: DateTimeOffset.UtcNow + Settings.ClockSkew + TimeSpan.FromSeconds(2))), "future");

    [Theory]
    [InlineData("string")]
    [InlineData(null)]
    public async Task Proof_IatNotANumber_Invalid(string? iat) =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (_, claims) => claims["iat"] = iat)), "iat");

    [Fact]
    public async Task Proof_WithoutAth_TokenGiven_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, accessToken: null)), "no ath");

    [Fact]
    public async Task Proof_AthOfAnotherToken_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, "another-access-token")), "ath");

    [Fact]
    public async Task Proof_WithoutAth_NoTokenGiven_Valid() =>
        // The token endpoint: no access token yet.
        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(_key.Proof("GET", Url, accessToken: null), token: null)).Status);

    [Fact]
    public async Task Proof_ByAnotherKeyThanTheTokensBinding_Invalid()
    {
        using var thief = DPoPKey.CreateEs256();

        AssertInvalid(await ValidateAsync(thief.Proof("GET", Url, Token), expectedThumbprint: _key.Thumbprint), "another key");
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public async Task Proof_WithoutJti_Invalid(string? jti) =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (_, claims) => claims["jti"] = jti)), "jti");

    [Fact]
    public async Task Proof_JtiTooLong_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (_, claims) => claims["jti"] = new string('j', 257))), "jti");

    [Fact]
    public async Task Proof_NonceNotAString_Invalid() =>
        AssertInvalid(await ValidateAsync(_key.Proof("GET", Url, Token, change: (_, claims) => claims["nonce"] = 42)), "nonce");

    [Fact]
    public async Task Proof_Replayed_InvalidTheSecondTime()
    {
        var proof = _key.Proof("GET", Url, Token);
        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(proof)).Status);

        AssertInvalid(await ValidateAsync(proof), "used before");
    }

    [Fact]
    public async Task Proof_ReplayedAtAnotherInstance_Invalid()
    {
        var proof = _key.Proof("GET", Url, Token);
        var other = Validator(await _redis.ConnectAsync());
        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(proof)).Status);

        AssertInvalid(await other.ValidateAsync(Request("GET", Url, proof), Token, null), "used before");
    }

    [Fact]
    public async Task Proof_JtiSeenFirstInAnInvalidProof_StillAccepted()
    {
        // A refused proof records nothing, or anyone could spend a client's next jti with a proof of their own.
        var jti = Guid.NewGuid().ToString();
        AssertInvalid(await ValidateAsync(_key.Proof("POST", Url, Token, change: (_, claims) => claims["jti"] = jti)), "htm");

        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(_key.Proof("GET", Url, Token, change: (_, claims) => claims["jti"] = jti))).Status);
    }

    [Fact]
    public async Task Proof_SameJtiFromAnotherKey_Valid()
    {
        using var other = DPoPKey.CreateEs256();
        var jti = Guid.NewGuid().ToString();
        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(_key.Proof("GET", Url, Token, change: (_, claims) => claims["jti"] = jti))).Status);

        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(other.Proof("GET", Url, Token, change: (_, claims) => claims["jti"] = jti))).Status);
    }

    [Fact]
    public async Task Proof_Accepted_RememberedUntilItCouldNoLongerBeAccepted()
    {
        var jti = Guid.NewGuid().ToString();
        Assert.Equal(DPoPProofStatus.Valid, (await ValidateAsync(_key.Proof("GET", Url, Token, change: (_, claims) => claims["jti"] = jti))).Status);

        var ttl = await (await _redis.ConnectAsync()).GetDatabase().KeyTimeToLiveAsync(_redis.Keys.DPoPProofUse(_key.Thumbprint, jti));

        Assert.InRange(ttl!.Value, Settings.ProofLifetime + 2 * Settings.ClockSkew - TimeSpan.FromSeconds(10), Settings.ProofLifetime + 2 * Settings.ClockSkew);
    }

    [Fact]
    public async Task Proof_RedisUnreachable_UnavailableNotValid()
    {
        var validator = Validator(await _redis.ConnectToNothingAsync());

        var result = await validator.ValidateAsync(Request("GET", Url, _key.Proof("GET", Url, Token)), Token, _key.Thumbprint);

        Assert.Equal(DPoPProofStatus.Unavailable, result.Status);
        Assert.Equal(_key.Thumbprint, result.Thumbprint);
    }

    [Fact]
    public async Task Proof_InvalidWhileRedisUnreachable_InvalidNotUnavailable()
    {
        var validator = Validator(await _redis.ConnectToNothingAsync());

        AssertInvalid(await validator.ValidateAsync(Request("POST", Url, _key.Proof("GET", Url, Token)), Token, null), "htm");
    }

    [Fact]
    public void Confirmation_ClaimForThumbprint_ReadBackFromAPrincipal()
    {
        var cnf = DPoPConfirmation.ClaimFor(_key.Thumbprint);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(DPoPConfirmation.ClaimType, cnf.GetRawText(), "JSON")]));

        Assert.Equal(JsonValueKind.Object, cnf.ValueKind);
        Assert.Equal(_key.Thumbprint, cnf.GetProperty("jkt").GetString());
        Assert.Equal(_key.Thumbprint, DPoPConfirmation.ThumbprintOf(principal));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not json")]
    [InlineData("[\"jkt\"]")]
    [InlineData("{\"x5t#S256\":\"abc\"}")]
    [InlineData("{\"jkt\":42}")]
    public void Confirmation_WithoutJkt_NoThumbprint(string? cnf)
    {
        var claims = cnf is null ? [] : new[] { new Claim(DPoPConfirmation.ClaimType, cnf, "JSON") };

        Assert.Null(DPoPConfirmation.ThumbprintOf(new ClaimsPrincipal(new ClaimsIdentity(claims))));
    }

    private DPoPProofValidator Validator(IConnectionMultiplexer redis) =>
        new(redis, _redis.Keys, Options.Create(Settings), _redis.Clock);

    private Task<DPoPProofResult> ValidateAsync(string proof, string? token = Token, string? expectedThumbprint = null) =>
        _validator.ValidateAsync(Request("GET", Url, proof), token, expectedThumbprint).AsTask();

    private static HttpRequest Request(string method, string url, params string[] proofs)
    {
        var uri = new Uri(url);
        var request = new DefaultHttpContext().Request;
        request.Method = method;
        request.Scheme = uri.Scheme;
        request.Host = HostString.FromUriComponent(uri);
        request.Path = PathString.FromUriComponent(uri);
        request.QueryString = QueryString.FromUriComponent(uri);
        if (proofs.Length > 0)
        {
            request.Headers[DPoPProofValidator.HeaderName] = new StringValues(proofs);
        }

        return request;
    }

    private static void AssertInvalid(DPoPProofResult result, string reason)
    {
        Assert.Equal(DPoPProofStatus.Invalid, result.Status);
        Assert.Null(result.Thumbprint);
        Assert.Contains(reason, result.ErrorDescription);
    }
}
