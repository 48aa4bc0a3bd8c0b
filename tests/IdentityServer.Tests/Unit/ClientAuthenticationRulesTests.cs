using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using RedisJwt.IdentityServer.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Tests.Unit;

/// <summary>ClientDescriptors' rules for token_endpoint_auth_method, jwks and jwks_uri (RFC 7591, RFC 7523).</summary>
public sealed class ClientAuthenticationRulesTests
{
    private static readonly ClientRules Production = new(AnyHttpHost: false);

    private static string Jwks(params object[] keys) => JsonSerializer.Serialize(new { keys });

    private static object RsaKey(int bits = 2048, bool withPrivatePart = false)
    {
        using var rsa = RSA.Create(bits);
        var key = rsa.ExportParameters(includePrivateParameters: true);
        return withPrivatePart
            ? new { kty = "RSA", kid = "k1", n = Base64UrlEncoder.Encode(key.Modulus), e = Base64UrlEncoder.Encode(key.Exponent), d = Base64UrlEncoder.Encode(key.D) }
            : new { kty = "RSA", kid = "k1", n = Base64UrlEncoder.Encode(key.Modulus), e = Base64UrlEncoder.Encode(key.Exponent) };
    }

    private static object EcKey(ECCurve curve, string crv)
    {
        using var ec = ECDsa.Create(curve);
        var key = ec.ExportParameters(includePrivateParameters: false);
        return new { kty = "EC", kid = "e1", crv, x = Base64UrlEncoder.Encode(key.Q.X), y = Base64UrlEncoder.Encode(key.Q.Y) };
    }

    private static ClientSeed Machine(string? jwks = null, Uri? jwksUri = null, string? secret = null, string method = "private_key_jwt") => new()
    {
        Type = "confidential",
        TokenEndpointAuthMethod = method,
        Secret = secret,
        Jwks = jwks,
        JwksUri = jwksUri,
        GrantTypes = ["client_credentials"],
    };

    private static IReadOnlyList<ClientError> Errors(ClientSeed seed, ClientRules? rules = null) =>
        ClientDescriptors.Validate("partner", seed, rules ?? Production);

    [Fact]
    public void PrivateKeyJwt_InlineRsaKey_ConfidentialWithoutSecretAndKeysStored()
    {
        var seed = Machine(Jwks(RsaKey()));

        Assert.Empty(Errors(seed));
        var descriptor = ClientDescriptors.Describe("partner", seed);
        Assert.Equal(ClientTypes.Confidential, descriptor.ClientType);
        Assert.Null(descriptor.ClientSecret);
        Assert.Equal("k1", Assert.Single(descriptor.JsonWebKeySet!.Keys).Kid);
        Assert.Equal("private_key_jwt", ClientProperties.AuthMethod(descriptor));
    }

    [Theory]
    [InlineData("P-256")]
    [InlineData("P-384")]
    [InlineData("P-521")]
    public void PrivateKeyJwt_EcKeyOnAllowedCurve_Accepted(string crv)
    {
        var curve = crv switch { "P-256" => ECCurve.NamedCurves.nistP256, "P-384" => ECCurve.NamedCurves.nistP384, _ => ECCurve.NamedCurves.nistP521 };
        Assert.Empty(Errors(Machine(Jwks(EcKey(curve, crv)))));
    }

    [Fact]
    public void PrivateKeyJwt_HttpsJwksUri_Accepted() =>
        Assert.Empty(Errors(Machine(jwksUri: new Uri("https://partner.example/jwks.json"))));

    public static TheoryData<string, Func<ClientSeed>, string, string> Refusals() => new()
    {
        { "private part", () => Machine(Jwks(RsaKey(withPrivatePart: true))), nameof(ClientSeed.Jwks), "private" },
        { "RSA 1024", () => Machine(Jwks(RsaKey(1024))), nameof(ClientSeed.Jwks), "2048" },
        { "oct key", () => Machine(Jwks(new { kty = "oct", k = "c2VjcmV0" })), nameof(ClientSeed.Jwks), "symmetric" },
        { "P-256K curve", () => Machine(Jwks(new { kty = "EC", crv = "secp256k1", x = "AA", y = "AA" })), nameof(ClientSeed.Jwks), "curve" },
        { "encryption key", () => Machine(Jwks(new { kty = "RSA", use = "enc", n = "AA", e = "AQAB" })), nameof(ClientSeed.Jwks), "signatures" },
        { "HS256 alg", () => Machine(Jwks(new { kty = "RSA", alg = "HS256", n = "AA", e = "AQAB" })), nameof(ClientSeed.Jwks), "HS256" },
        { "no keys", () => Machine(Jwks()), nameof(ClientSeed.Jwks), "no keys" },
        { "not JSON", () => Machine("not json"), nameof(ClientSeed.Jwks), "JWK Set" },
        { "an array", () => Machine("[]"), nameof(ClientSeed.Jwks), "JWK Set" },
        { "keys not an array", () => Machine("{\"keys\":{}}"), nameof(ClientSeed.Jwks), "JWK Set" },
        { "a key not an object", () => Machine("{\"keys\":[1]}"), nameof(ClientSeed.Jwks), "JWK Set" },
        { "null", () => Machine("null"), nameof(ClientSeed.Jwks), "JWK Set" },
        { "neither", () => Machine(), nameof(ClientSeed.Jwks), "exactly one" },
        { "both", () => Machine(Jwks(RsaKey()), new Uri("https://partner.example/jwks")), nameof(ClientSeed.Jwks), "exactly one" },
        { "and a secret", () => Machine(Jwks(RsaKey()), secret: "s"), nameof(ClientSeed.Secret), "no Secret" },
        { "http jwks_uri", () => Machine(jwksUri: new Uri("http://partner.example/jwks")), nameof(ClientSeed.JwksUri), "https" },
        { "client_secret_jwt", () => Machine(secret: "s", method: "client_secret_jwt"), nameof(ClientSeed.TokenEndpointAuthMethod), "client_secret_jwt" },
        { "made-up method", () => Machine(secret: "s", method: "tls_client_auth"), nameof(ClientSeed.TokenEndpointAuthMethod), "not one of" },
        { "keys for a secret client", () => Machine(Jwks(RsaKey()), secret: "s", method: "client_secret_basic"), nameof(ClientSeed.Jwks), "private_key_jwt" },
        { "none for a confidential client", () => Machine(secret: "s", method: "none"), nameof(ClientSeed.TokenEndpointAuthMethod), "public" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void ClientAuthentication_BrokenRule_NamedOnItsField(string rule, Func<ClientSeed> seed, string field, string message)
    {
        var errors = Errors(seed());

        Assert.True(errors.Any(error => error.Field == field && error.Message.Contains(message, StringComparison.Ordinal)),
            $"{rule}: {string.Join(" | ", errors.Select(error => $"{error.Field}: {error.Message}"))}");
    }

    [Fact]
    public void PrivateKeyJwt_PublicClient_Refused()
    {
        var seed = Machine(Jwks(RsaKey()));
        seed.Type = "public";
        seed.GrantTypes = [];

        Assert.Contains(Errors(seed), error => error.Field == nameof(ClientSeed.TokenEndpointAuthMethod));
    }

    [Fact]
    public void JwksUri_HttpOnLoopback_OnlyInDevelopment()
    {
        var seed = Machine(jwksUri: new Uri("http://127.0.0.1:5099/jwks"));

        Assert.Empty(Errors(seed, new ClientRules(AnyHttpHost: true)));
        Assert.Contains(Errors(seed), error => error.Field == nameof(ClientSeed.JwksUri));
    }

    [Fact]
    public void SecretClient_WithoutMethod_ClientSecretBasicAsBefore()
    {
        var descriptor = ClientDescriptors.Describe("partner", new ClientSeed { Secret = "s", GrantTypes = ["client_credentials"] });

        Assert.Equal("client_secret_basic", ClientProperties.AuthMethod(descriptor));
        Assert.Null(descriptor.JsonWebKeySet);
    }
}
