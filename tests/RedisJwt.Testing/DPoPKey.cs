using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace RedisJwt.Testing;

/// <summary>
/// A client's DPoP key (RFC 9449) and the proofs it makes, for any test that sends them (resource servers, the token
/// and userinfo endpoints). <see cref="Proof"/> with no change yields a proof a server accepts: the baseline each forgery
/// departs from in exactly one way (<c>change</c> edits the header and claims before signing). The thumbprint is
/// computed here by hand (RFC 7638), not by the library under test.
/// </summary>
public sealed class DPoPKey : IDisposable
{
    private readonly AsymmetricAlgorithm _key;

    private DPoPKey(AsymmetricAlgorithm key, string algorithm)
    {
        _key = key;
        Algorithm = algorithm;
    }

    /// <summary>The proof's alg: ES256/384/512 for an EC key, RS* or PS* for RSA.</summary>
    public string Algorithm { get; }

    /// <summary>A P-256 key signing ES256, what most clients use.</summary>
    public static DPoPKey CreateEs256() => Create("ES256");

    /// <summary>A new key for <paramref name="algorithm"/>; RSA keys of <paramref name="rsaBits"/> bits.</summary>
    public static DPoPKey Create(string algorithm, int rsaBits = 2048) => algorithm switch
    {
        "ES256" => new DPoPKey(ECDsa.Create(ECCurve.NamedCurves.nistP256), algorithm),
        "ES384" => new DPoPKey(ECDsa.Create(ECCurve.NamedCurves.nistP384), algorithm),
        "ES512" => new DPoPKey(ECDsa.Create(ECCurve.NamedCurves.nistP521), algorithm),
        ['R' or 'P', 'S', ..] => new DPoPKey(RSA.Create(rsaBits), algorithm),
        _ => throw new ArgumentException($"No DPoP key for {algorithm}.", nameof(algorithm)),
    };

    /// <summary>The public JWK a proof carries in its header (a new copy each time, to change at will).</summary>
    public JsonObject PublicJwk() => _key switch
    {
        ECDsa ec when ec.ExportParameters(false) is var p => new JsonObject
        {
            ["kty"] = "EC", ["crv"] = CurveName(), ["x"] = Encode(p.Q.X!), ["y"] = Encode(p.Q.Y!),
        },
        RSA rsa when rsa.ExportParameters(false) is var p => new JsonObject
        {
            ["kty"] = "RSA", ["n"] = Encode(p.Modulus!), ["e"] = Encode(p.Exponent!),
        },
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The JWK with its private part: what a careless client might put in a proof.</summary>
    public JsonObject PrivateJwk()
    {
        var jwk = PublicJwk();
        jwk["d"] = _key switch
        {
            ECDsa ec => Encode(ec.ExportParameters(true).D!),
            RSA rsa => Encode(rsa.ExportParameters(true).D!),
            _ => throw new InvalidOperationException(),
        };
        return jwk;
    }

    /// <summary>The RFC 7638 SHA-256 thumbprint (base64url): the required members in lexical order, no whitespace.</summary>
    public string Thumbprint
    {
        get
        {
            var jwk = PublicJwk();
            var canonical = jwk["kty"]!.GetValue<string>() == "EC"
                ? $"{{\"crv\":\"{jwk["crv"]}\",\"kty\":\"EC\",\"x\":\"{jwk["x"]}\",\"y\":\"{jwk["y"]}\"}}"
                : $"{{\"e\":\"{jwk["e"]}\",\"kty\":\"RSA\",\"n\":\"{jwk["n"]}\"}}";
            return Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        }
    }

    /// <summary>
    /// A proof for <paramref name="method"/> <paramref name="url"/> (RFC 9449 4.2): a new jti, iat now (or
    /// <paramref name="issuedAt"/>), ath when <paramref name="accessToken"/> is given, nonce when given.
    /// </summary>
    public string Proof(string method, string url, string? accessToken = null, string? nonce = null,
        DateTimeOffset? issuedAt = null, Action<JsonObject, JsonObject>? change = null)
    {
        var (header, claims) = Parts(method, url, accessToken, nonce, issuedAt);
        change?.Invoke(header, claims);
        return Sign(header, claims);
    }

    /// <summary>The "alg": "none" attack (RFC 8725 2.1): no signature at all.</summary>
    public string Unsigned(string method, string url, string? accessToken = null)
    {
        var (header, claims) = Parts(method, url, accessToken, null, null);
        header["alg"] = "none";
        return $"{Encode(header)}.{Encode(claims)}.";
    }

    /// <summary>
    /// The algorithm-confusion attack: HS256 keyed with the public JWK it carries, which a verifier letting the proof pick
    /// the algorithm would accept.
    /// </summary>
    public string HmacWithPublicKey(string method, string url, string? accessToken = null)
    {
        var (header, claims) = Parts(method, url, accessToken, null, null);
        header["alg"] = "HS256";
        var input = $"{Encode(header)}.{Encode(claims)}";
        var secret = Encoding.UTF8.GetBytes(header["jwk"]!.ToJsonString());
        return $"{input}.{Encode(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)))}";
    }

    /// <summary>The same proof with one bit of its signature flipped.</summary>
    public static string WithBadSignature(string proof)
    {
        var dot = proof.LastIndexOf('.');
        var signature = Base64Url.DecodeFromChars(proof.AsSpan(dot + 1));
        signature[signature.Length / 2] ^= 0x01;
        return $"{proof[..(dot + 1)]}{Encode(signature)}";
    }

    /// <summary>Signs <paramref name="header"/> and <paramref name="claims"/> as they are, with this key and its alg.</summary>
    public string Sign(JsonObject header, JsonObject claims)
    {
        var input = $"{Encode(header)}.{Encode(claims)}";
        var data = Encoding.ASCII.GetBytes(input);
        var hash = Algorithm[2..] switch { "256" => HashAlgorithmName.SHA256, "384" => HashAlgorithmName.SHA384, _ => HashAlgorithmName.SHA512 };
        var signature = _key switch
        {
            ECDsa ec => ec.SignData(data, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
            RSA rsa => rsa.SignData(data, hash, Algorithm[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
            _ => throw new InvalidOperationException(),
        };
        return $"{input}.{Encode(signature)}";
    }

    /// <summary>ath: base64url(SHA-256(ASCII(access token))) (RFC 9449 4.2).</summary>
    public static string AccessTokenHash(string accessToken) => Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));

    public void Dispose() => _key.Dispose();

    private (JsonObject Header, JsonObject Claims) Parts(string method, string url, string? accessToken, string? nonce, DateTimeOffset? issuedAt)
    {
        var header = new JsonObject { ["typ"] = "dpop+jwt", ["alg"] = Algorithm, ["jwk"] = PublicJwk() };
        var claims = new JsonObject
        {
            ["jti"] = Guid.NewGuid().ToString(),
            ["htm"] = method,
            ["htu"] = url,
            ["iat"] = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        };
        if (accessToken is not null)
        {
            claims["ath"] = AccessTokenHash(accessToken);
        }

        if (nonce is not null)
        {
            claims["nonce"] = nonce;
        }

        return (header, claims);
    }

    private string CurveName() => Algorithm switch { "ES256" => "P-256", "ES384" => "P-384", _ => "P-521" };

    private static string Encode(JsonObject json) => Encode(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static string Encode(byte[] bytes) => Base64Url.EncodeToString(bytes);
}
