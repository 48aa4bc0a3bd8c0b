using System.Buffers;
using System.Buffers.Text;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using StackExchange.Redis;

namespace RedisJwt.Revocation.DPoP;

/// <summary>
/// Checks a request's DPoP proof (RFC 9449 4.3): the one place that does, for resource servers (<see cref="DPoPSetup.UseDPoP"/>)
/// and the IdentityServer's token and userinfo endpoints alike. A proof used once is refused everywhere afterwards: its
/// <c>jti</c> is recorded in Redis, shared by every instance.
/// </summary>
public sealed class DPoPProofValidator(IConnectionMultiplexer redis, RevocationKeys keys, IOptions<DPoPOptions> options, TimeProvider clock)
{
    /// <summary>The request header carrying the proof (RFC 9449 4.1).</summary>
    public const string HeaderName = "DPoP";

    /// <summary>The Authorization scheme of a DPoP-bound access token, and its token_type (RFC 9449 5, 7.1).</summary>
    public const string Scheme = "DPoP";

    /// <summary>
    /// The signature algorithms a proof may use: asymmetric only, never "none" or an HMAC (RFC 9449 4.3 step 5). For
    /// discovery's <c>dpop_signing_alg_values_supported</c> and the challenges' <c>algs</c>.
    /// </summary>
    public static IReadOnlyList<string> Algorithms { get; } =
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    private const string ProofType = "dpop+jwt";

    // Far above any real proof (an RSA-4096 key makes ~1.5 KB), far below what a header may carry.
    private const int MaxProofLength = 8 * 1024;
    private const int MaxJtiLength = 256;
    private const int MinRsaBits = 2048;
    private const int MaxRsaBits = 8192;

    // A JWK holding any of these is a private key (RFC 7518 6.2.2, 6.3.2, 6.4.1): a client that sends it has leaked it.
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];

    private static readonly SearchValues<char> Base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    // RFC 7515 4: a header with duplicate names must be rejected (or the last taken): rejected, so that nothing here and in
    // IdentityModel can read two different values.
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false, MaxDepth = 8 };

    /// <summary>
    /// Checks the request's DPoP header. <c>htm</c> must be the request's method and <c>htu</c> its own absolute URL
    /// (scheme, host, path base and path, as forwarded headers set them; query and fragment ignored).
    /// </summary>
    /// <param name="request">The request carrying the proof.</param>
    /// <param name="accessToken">When given, the proof must carry its hash (<c>ath</c>, RFC 9449 4.2).</param>
    /// <param name="expectedThumbprint">When given, the proof's key must be this one (the token's <c>cnf.jkt</c>).</param>
    /// <param name="cancellationToken">Cancels the wait for Redis.</param>
    public ValueTask<DPoPProofResult> ValidateAsync(HttpRequest request, string? accessToken, string? expectedThumbprint,
        CancellationToken cancellationToken = default) =>
        ValidateAsync(request, request.Path, accessToken, expectedThumbprint, cancellationToken);

    /// <summary>
    /// The same, for a request the host has rewritten on its way in: <paramref name="path"/> is the path the client
    /// addressed (with the request's scheme, host and path base, the URL its <c>htu</c> must name).
    /// </summary>
    /// <param name="request">The request carrying the proof.</param>
    /// <param name="path">The path the client sent the request to.</param>
    /// <param name="accessToken">When given, the proof must carry its hash (<c>ath</c>, RFC 9449 4.2).</param>
    /// <param name="expectedThumbprint">When given, the proof's key must be this one (the token's <c>cnf.jkt</c>).</param>
    /// <param name="cancellationToken">Cancels the wait for Redis.</param>
    public async ValueTask<DPoPProofResult> ValidateAsync(HttpRequest request, PathString path, string? accessToken,
        string? expectedThumbprint, CancellationToken cancellationToken = default)
    {
        var headers = request.Headers[HeaderName];
        if (headers.Count == 0)
        {
            return new DPoPProofResult(DPoPProofStatus.Absent, null, null, "The request carries no DPoP proof.");
        }

        if (headers.Count > 1)
        {
            return Invalid("The request carries more than one DPoP header.");
        }

        var (result, jti) = Inspect(headers[0] ?? "", request, path, accessToken, expectedThumbprint);
        if (result.Status != DPoPProofStatus.Valid)
        {
            return result;
        }

        // Last, so that only a proof good in every other respect is recorded (RFC 9449 11.1). Kept until the proof's iat
        // could no longer be accepted (the client's clock may be the skew off either way; the servers' clocks are assumed
        // to agree, NTP, far closer than that).
        var settings = options.Value;
        try
        {
            var first = await redis.GetDatabase()
                .StringSetAsync(keys.DPoPProofUse(result.Thumbprint!, jti!), 1, settings.ProofLifetime + 2 * settings.ClockSkew, When.NotExists)
                .WaitAsync(cancellationToken);
            return first ? result : Invalid("The DPoP proof has been used before.");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Fail closed: without Redis a replayed proof cannot be told from a fresh one.
            return result with { Status = DPoPProofStatus.Unavailable, ErrorDescription = "DPoP proofs cannot be checked right now; try again shortly." };
        }
    }

    private (DPoPProofResult Result, string? Jti) Inspect(string proof, HttpRequest request, PathString path, string? accessToken, string? expectedThumbprint)
    {
        var parts = proof.Split('.');
        if (proof.Length > MaxProofLength || parts.Length != 3 || parts.Any(part => part.Length == 0 || part.AsSpan().ContainsAnyExcept(Base64UrlAlphabet)))
        {
            return (Invalid("The DPoP proof is not a signed JWT (three base64url parts)."), null);
        }

        using var header = ParseObject(parts[0]);
        using var payload = ParseObject(parts[1]);
        if (header is null || payload is null || Decode(parts[2]) is not { } signature)
        {
            return (Invalid("The DPoP proof is not a well-formed JWT (a JSON object header and claims, base64url-encoded)."), null);
        }

        var headerError = CheckHeader(header.RootElement, out var algorithm, out var jwk);
        if (headerError is not null)
        {
            return (Invalid(headerError), null);
        }

        var keyError = Verify(jwk, algorithm, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature);
        if (keyError is not null)
        {
            return (Invalid(keyError), null);
        }

        var claims = payload.RootElement;
        var claimsError = CheckClaims(claims, request, path, accessToken, out var jti, out var nonce);
        if (claimsError is not null)
        {
            return (Invalid(claimsError), null);
        }

        var thumbprint = Base64Url.EncodeToString(new JsonWebKey(jwk.GetRawText()).ComputeJwkThumbprint());
        if (expectedThumbprint is not null && !FixedTimeEquals(thumbprint, expectedThumbprint))
        {
            return (Invalid("The DPoP proof is signed by another key than the one the access token is bound to."), null);
        }

        return (new DPoPProofResult(DPoPProofStatus.Valid, thumbprint, nonce, null), jti);
    }

    // RFC 9449 4.3 steps 4-7: typ, alg, and a public key in the header.
    private static string? CheckHeader(JsonElement header, out string algorithm, out JsonElement jwk)
    {
        algorithm = "";
        jwk = default;
        if (Text(header, "typ") != ProofType)
        {
            return $"The DPoP proof's typ must be \"{ProofType}\".";
        }

        if (Text(header, "alg") is not { } alg || !Algorithms.Contains(alg))
        {
            return $"The DPoP proof's alg must be one of {string.Join(", ", Algorithms)}.";
        }

        // RFC 7515 4.1.11: an extension the proof insists on, which nothing here understands.
        if (header.TryGetProperty("crit", out _))
        {
            return "The DPoP proof has critical header parameters (crit), which are not supported.";
        }

        if (!header.TryGetProperty("jwk", out var key) || key.ValueKind != JsonValueKind.Object)
        {
            return "The DPoP proof has no jwk header (the public key it is signed with).";
        }

        if (PrivateMembers.Any(member => key.TryGetProperty(member, out _)))
        {
            return "The DPoP proof's jwk holds a private key.";
        }

        algorithm = alg;
        jwk = key;
        return null;
    }

    // RFC 9449 4.3 step 6: the signature verifies with the jwk, whose type and size fit alg.
    private static string? Verify(JsonElement jwk, string algorithm, byte[] signingInput, byte[] signature)
    {
        var hash = algorithm[2..] switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };

        try
        {
            switch (Text(jwk, "kty"))
            {
                case "RSA" when algorithm[0] is 'R' or 'P':
                    if (Bytes(jwk, "n") is not { } modulus || Bytes(jwk, "e") is not { Length: > 0 and <= 4 } exponent)
                    {
                        return "The DPoP proof's jwk is not an RSA public key (n, e).";
                    }

                    var bits = new BigInteger(modulus, isUnsigned: true, isBigEndian: true).GetBitLength();
                    if (bits is < MinRsaBits or > MaxRsaBits)
                    {
                        return $"The DPoP proof's RSA key must have {MinRsaBits} to {MaxRsaBits} bits.";
                    }

                    using (var rsa = RSA.Create(new RSAParameters { Modulus = modulus, Exponent = exponent }))
                    {
                        var padding = algorithm[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
                        return rsa.VerifyData(signingInput, signature, hash, padding) ? null : BadSignature;
                    }

                case "EC" when algorithm[0] == 'E':
                    var (curve, size, name) = algorithm switch
                    {
                        "ES256" => (ECCurve.NamedCurves.nistP256, 32, "P-256"),
                        "ES384" => (ECCurve.NamedCurves.nistP384, 48, "P-384"),
                        _ => (ECCurve.NamedCurves.nistP521, 66, "P-521"),
                    };
                    if (Text(jwk, "crv") != name || Bytes(jwk, "x") is not { } x || Bytes(jwk, "y") is not { } y || x.Length != size || y.Length != size)
                    {
                        return $"The DPoP proof's jwk must be an EC public key on {name} for {algorithm}.";
                    }

                    // Importing checks that the point is on the curve.
                    using (var ecdsa = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } }))
                    {
                        return ecdsa.VerifyData(signingInput, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) ? null : BadSignature;
                    }

                default:
                    return $"The DPoP proof's jwk must be an RSA or EC public key matching alg {algorithm}.";
            }
        }
        catch (CryptographicException)
        {
            return "The DPoP proof's jwk is not a valid public key.";
        }
    }

    private const string BadSignature = "The DPoP proof's signature does not verify with its jwk.";

    // RFC 9449 4.3 steps 8-12: the claims tie the proof to this request, now, and this access token.
    private string? CheckClaims(JsonElement claims, HttpRequest request, PathString path, string? accessToken, out string jti, out string? nonce)
    {
        jti = Text(claims, "jti") ?? "";
        nonce = null;
        if (jti.Length is 0 or > MaxJtiLength)
        {
            return $"The DPoP proof must have a jti of 1 to {MaxJtiLength} characters.";
        }

        if (Text(claims, "htm") != request.Method)
        {
            return "The DPoP proof's htm is not this request's method.";
        }

        if (Text(claims, "htu") is not { } htu || Normalize(htu) is not { } proofUrl || proofUrl != Normalize(RequestUrl(request, path)))
        {
            return "The DPoP proof's htu is not this request's URL.";
        }

        if (!claims.TryGetProperty("iat", out var iat) || iat.ValueKind != JsonValueKind.Number || !iat.TryGetDouble(out var issuedAt))
        {
            return "The DPoP proof has no iat.";
        }

        var settings = options.Value;
        var age = clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0 - issuedAt;
        if (age > (settings.ProofLifetime + settings.ClockSkew).TotalSeconds)
        {
            return "The DPoP proof is too old (iat).";
        }

        if (age < -settings.ClockSkew.TotalSeconds)
        {
            return "The DPoP proof is issued in the future (iat).";
        }

        if (accessToken is not null)
        {
            var expected = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
            if (Text(claims, "ath") is not { } ath)
            {
                return "The DPoP proof has no ath (the access token's hash).";
            }

            if (!FixedTimeEquals(ath, expected))
            {
                return "The DPoP proof's ath is not the hash of this access token.";
            }
        }

        if (claims.TryGetProperty("nonce", out var nonceClaim))
        {
            if (nonceClaim.ValueKind != JsonValueKind.String)
            {
                return "The DPoP proof's nonce is not a string.";
            }

            nonce = nonceClaim.GetString();
        }

        return null;
    }

    // RFC 9449 4.3 step 9 with RFC 3986 6.2.2 and 6.2.3: scheme and host case, default port and dot segments
    // normalized by System.Uri; query and fragment left out on both sides; user info is no part of a request URL.
    private static string? Normalize(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            && uri.UserInfo.Length == 0
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : null;

    private static string RequestUrl(HttpRequest request, PathString path) =>
        UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, path);

    private static JsonDocument? ParseObject(string part)
    {
        if (Decode(part) is not { } json)
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(json, StrictJson);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Bytes(JsonElement element, string name) =>
        Text(element, name) is { Length: > 0 } text && !text.AsSpan().ContainsAnyExcept(Base64UrlAlphabet) ? Decode(text) : null;

    // Unpadded base64url (RFC 7515 2); null when it is not.
    private static byte[]? Decode(string text)
    {
        try
        {
            return Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool FixedTimeEquals(string left, string right) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(left), Encoding.UTF8.GetBytes(right));

    private static DPoPProofResult Invalid(string description) => new(DPoPProofStatus.Invalid, null, null, description);
}
