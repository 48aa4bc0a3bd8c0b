using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// A key pair of samples/MachineClient's client (reporting-service, private_key_jwt): the PEM file of its private key, as
/// the sample reads it, and its public key as the JWK Set the deployment seeds (kid: its RFC 7638 thumbprint, as
/// certs/generate-dev-certs.sh writes it).
/// </summary>
public sealed class ReportingKey
{
    public static ReportingKey Registered { get; } = new();

    /// <summary>A key the server was never given.</summary>
    public static ReportingKey Unknown { get; } = new();

    private ReportingKey()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        PrivateKeyPath = Path.Combine(Path.GetTempPath(), $"reporting-{Guid.NewGuid():N}.key");
        File.WriteAllText(PrivateKeyPath, ec.ExportPkcs8PrivateKeyPem());
        var point = ec.ExportParameters(includePrivateParameters: false).Q;
        var kid = Base64UrlEncoder.Encode(new ECDsaSecurityKey(ec).ComputeJwkThumbprint());
        Jwks = JsonSerializer.Serialize(new { keys = new[] { new
        {
            kty = "EC", crv = "P-256", x = Base64UrlEncoder.Encode(point.X), y = Base64UrlEncoder.Encode(point.Y), kid, use = "sig", alg = "ES256",
        } } });
    }

    public string PrivateKeyPath { get; }

    public string Jwks { get; }
}
