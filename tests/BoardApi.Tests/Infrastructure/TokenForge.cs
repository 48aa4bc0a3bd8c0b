using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Infrastructure;

/// <summary>
/// Builds access tokens by hand, each wrong in exactly one way, to prove BoardApi rejects for that reason alone.
/// It holds the IdentityServer's real signing key (the test certificate on disk) and the kid its JWKS publishes, so
/// <see cref="Create"/> with no changes yields a token BoardApi accepts: the baseline every forgery departs from.
/// </summary>
public sealed class TokenForge(RSA issuerKey, string kid, string issuer)
{
    public string Kid => kid;

    public static async Task<TokenForge> ForAsync(IdentityServerFactory identity)
    {
        var jwks = new JsonWebKeySet(await identity.CreateApiClient().GetStringAsync("/.well-known/jwks"));
        var key = RSA.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(TestCertificates.Settings["Credentials:SigningKeyPath"]!));
        return new TokenForge(key, Assert.Single(jwks.Keys).Kid, identity.Issuer.AbsoluteUri);
    }

    /// <summary>A well-formed RFC 9068 access token for BoardApi (its resource as aud); <paramref name="change"/> alters the claims.</summary>
    public string Create(Action<Dictionary<string, object>>? change = null, string type = "at+jwt",
        SigningCredentials? signWith = null)
    {
        var claims = Claims();
        change?.Invoke(claims);
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            TokenType = type,
            SigningCredentials = signWith ?? new SigningCredentials(new RsaSecurityKey(issuerKey) { KeyId = kid }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The "alg": "none" attack (RFC 8725 2.1): no signature at all.</summary>
    public string Unsigned() => Encode(new { alg = "none", typ = "at+jwt" }, Claims()) + ".";

    /// <summary>
    /// The algorithm-confusion attack (RFC 8725 2.1): HS256 with the issuer's public key as the HMAC secret, which a
    /// verifier that lets the token pick the algorithm would accept.
    /// </summary>
    public string HmacWithPublicKey()
    {
        var unsigned = Encode(new { alg = "HS256", typ = "at+jwt", kid }, Claims());
        var secret = Encoding.ASCII.GetBytes(issuerKey.ExportSubjectPublicKeyInfoPem());
        return unsigned + "." + Base64UrlEncoder.Encode(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(unsigned)));
    }

    /// <summary>Signed by a key the issuer never had, but labelled with the issuer's kid.</summary>
    public string SignedByOtherKeyWithSameKid() =>
        Create(signWith: new SigningCredentials(new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid }, SecurityAlgorithms.RsaSha256));

    private Dictionary<string, object> Claims()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["aud"] = IdentityServerFactory.BoardApiResource,
            ["sub"] = "forged-subject",
            ["client_id"] = IdentityServerFactory.SpaClientId,
            ["scope"] = "posts.read posts.write",
            ["jti"] = Guid.NewGuid().ToString(),
            ["iat"] = now,
            ["nbf"] = now,
            ["exp"] = now + 300,
        };
    }

    private static string Encode(object header, Dictionary<string, object> claims) =>
        Base64UrlEncoder.Encode(JsonSerializer.Serialize(header)) + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(claims));
}
