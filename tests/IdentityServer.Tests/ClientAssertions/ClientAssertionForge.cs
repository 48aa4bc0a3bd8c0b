using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.IdentityServer.Tests.ClientAssertions;

/// <summary>
/// Builds private_key_jwt client assertions (RFC 7523) by hand, each wrong in exactly one way, to prove the server
/// refuses for that reason alone. It holds the client's key pair: <see cref="Create"/> with no changes yields an
/// assertion the server accepts, the baseline every forgery departs from.
/// </summary>
public sealed class ClientAssertionForge(string audience)
{
    public const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly RSA _key = RSA.Create(2048);

    public string Kid { get; } = "key-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The client's public key as a JWK Set, as it registers it.</summary>
    public string PublicJwks() => JsonSerializer.Serialize(new { keys = new[] { PublicJwk() } });

    public object PublicJwk()
    {
        var parameters = _key.ExportParameters(includePrivateParameters: false);
        return new { kty = "RSA", kid = Kid, use = "sig", alg = "RS256", n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) };
    }

    /// <summary>A well-formed assertion of <paramref name="clientId"/>; <paramref name="change"/> alters the claims.</summary>
    public string Create(string clientId, Action<Dictionary<string, object>>? change = null, string? kid = null,
        SigningCredentials? signWith = null, string type = "client-authentication+jwt")
    {
        var claims = Claims(clientId);
        change?.Invoke(claims);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            TokenType = type,
            SigningCredentials = signWith ?? new SigningCredentials(new RsaSecurityKey(_key) { KeyId = kid ?? Kid }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Signed by a key the client never registered, but labelled with its kid.</summary>
    public string SignedByOtherKey(string clientId) =>
        Create(clientId, signWith: new SigningCredentials(new RsaSecurityKey(RSA.Create(2048)) { KeyId = Kid }, SecurityAlgorithms.RsaSha256));

    /// <summary>The "alg": "none" attack (RFC 8725 2.1): no signature at all.</summary>
    public string Unsigned(string clientId) => Encode(new { alg = "none", typ = "client-authentication+jwt", kid = Kid }, Claims(clientId)) + ".";

    /// <summary>client_secret_jwt (RFC 7523 with HS256): the claims MACed with a shared secret.</summary>
    public string Hmac(string clientId, string secret)
    {
        var unsigned = Encode(new { alg = "HS256", typ = "client-authentication+jwt" }, Claims(clientId));
        return unsigned + "." + Base64UrlEncoder.Encode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(unsigned)));
    }

    /// <summary>The form fields that present an assertion (RFC 7521 4.2).</summary>
    public static Dictionary<string, string> Form(string clientId, string assertion, Dictionary<string, string> fields) => new(fields)
    {
        ["client_id"] = clientId,
        ["client_assertion_type"] = AssertionType,
        ["client_assertion"] = assertion,
    };

    private Dictionary<string, object> Claims(string clientId)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["iss"] = clientId,
            ["sub"] = clientId,
            ["aud"] = audience,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now,
            ["exp"] = now + 60,
        };
    }

    private static string Encode(object header, Dictionary<string, object> claims) =>
        Base64UrlEncoder.Encode(JsonSerializer.Serialize(header)) + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims));
}
