using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.IdentityServer.ClientAssertions;

/// <summary>
/// A client's JWK Set (RFC 7517), inline (<c>jwks</c>) or fetched from its <c>jwks_uri</c>: only public signing keys of
/// the asymmetric algorithms we accept assertions in. A private part (<c>d</c>) means the client sent us its private key,
/// which must then be thought compromised; a symmetric (<c>oct</c>) key would be client_secret_jwt, a shared secret.
/// </summary>
public static class ClientKeySet
{
    /// <summary>The JWS algorithms a client assertion may be signed with (RFC 8725 3.1: never none, never HS*).</summary>
    public static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public const int MaxKeys = 10;

    private const int MinRsaBits = 2048;

    private static readonly string[] Curves = ["P-256", "P-384", "P-521"];

    /// <returns>The key set, or null with <paramref name="error"/> saying what is wrong with it.</returns>
    public static JsonWebKeySet? Read(string json, out string? error)
    {
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json);
        }
        catch (Exception exception) when (exception is ArgumentException or System.Text.Json.JsonException)
        {
            error = "not a JWK Set (a JSON object with a \"keys\" array, RFC 7517 5).";
            return null;
        }

        error = set.Keys.Count switch
        {
            0 => "the JWK Set has no keys.",
            > MaxKeys => $"the JWK Set has more than {MaxKeys} keys.",
            _ => set.Keys.Select(Check).FirstOrDefault(problem => problem is not null),
        };
        return error is null ? set : null;
    }

    /// <summary>The public parts of a key set, as JSON (RFC 7517), to show what a client registered.</summary>
    public static System.Text.Json.JsonElement ToJson(JsonWebKeySet set) => System.Text.Json.JsonSerializer.SerializeToElement(new
    {
        keys = set.Keys.Select(key => new Dictionary<string, string?>
        {
            ["kty"] = key.Kty, ["kid"] = key.Kid, ["use"] = key.Use, ["alg"] = key.Alg,
            ["n"] = key.N, ["e"] = key.E, ["crv"] = key.Crv, ["x"] = key.X, ["y"] = key.Y,
        }.Where(part => !string.IsNullOrEmpty(part.Value)).ToDictionary()),
    });

    private static string? Check(JsonWebKey key, int index)
    {
        var name = string.IsNullOrEmpty(key.Kid) ? $"key {index}" : $"key \"{key.Kid}\"";
        if (new[] { key.D, key.P, key.Q, key.DP, key.DQ, key.QI, key.K }.Any(part => !string.IsNullOrEmpty(part)))
        {
            return $"{name} has a private or symmetric part: register the public key only (and replace a private key that was sent anywhere).";
        }

        if (key.Use is { Length: > 0 } use && use != JsonWebKeyUseNames.Sig)
        {
            return $"{name} is for \"{use}\", not for signatures (\"sig\").";
        }

        if (key.Alg is { Length: > 0 } alg && !Algorithms.Contains(alg))
        {
            return $"{name} is for {alg}; client assertions are signed with one of {string.Join(", ", Algorithms)}.";
        }

        return key.Kty switch
        {
            JsonWebAlgorithmsKeyTypes.RSA when RsaBits(key) < MinRsaBits => $"{name} is an RSA key under {MinRsaBits} bits.",
            JsonWebAlgorithmsKeyTypes.RSA when string.IsNullOrEmpty(key.E) => $"{name} has no exponent (e).",
            JsonWebAlgorithmsKeyTypes.RSA => null,
            JsonWebAlgorithmsKeyTypes.EllipticCurve when !Curves.Contains(key.Crv) =>
                $"{name} is on curve \"{key.Crv}\"; use one of {string.Join(", ", Curves)}.",
            JsonWebAlgorithmsKeyTypes.EllipticCurve when string.IsNullOrEmpty(key.X) || string.IsNullOrEmpty(key.Y) => $"{name} has no x or y.",
            JsonWebAlgorithmsKeyTypes.EllipticCurve => null,
            JsonWebAlgorithmsKeyTypes.Octet => $"{name} is a symmetric (oct) key: that is client_secret_jwt, which this server does not accept.",
            _ => $"{name} is of type \"{key.Kty}\"; only RSA and EC public keys are accepted.",
        };
    }

    private static int RsaBits(JsonWebKey key)
    {
        try
        {
            var modulus = Base64UrlEncoder.DecodeBytes(key.N ?? "").AsSpan().TrimStart((byte)0);
            return modulus.Length * 8;
        }
        catch (FormatException)
        {
            return 0;
        }
    }
}
