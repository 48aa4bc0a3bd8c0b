using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedisJwt.Testing;

/// <summary>
/// Certificates written once per test run to files, as in production: signing as PEM certificate + key,
/// encryption as a password-protected PFX, so both loading paths are exercised.
/// </summary>
public static class TestCertificates
{
    public const string PfxPassword = "test-pfx-password";

    private static readonly Lazy<string> Folder = new(Create);

    public static string Directory => Folder.Value;

    public static IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Credentials:SigningCertificatePath"] = Path.Combine(Directory, "signing.crt"),
        ["Credentials:SigningKeyPath"] = Path.Combine(Directory, "signing.key"),
        ["Credentials:EncryptionCertificatePath"] = Path.Combine(Directory, "encryption.pfx"),
        ["Credentials:EncryptionKeyPath"] = "",
        ["Credentials:EncryptionCertificatePassword"] = PfxPassword,
    };

    public static X509Certificate2 CreateSelfSigned(string subject, X509KeyUsageFlags usage, DateTimeOffset notAfter)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={subject}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        return request.CreateSelfSigned(notAfter.AddYears(-1), notAfter);
    }

    /// <summary>Settings for another signing certificate, as a server uses after a key rotation.</summary>
    public static IReadOnlyDictionary<string, string?> NewSigningKeySettings()
    {
        var name = $"signing-{Guid.NewGuid():N}";
        WriteSigningPem(Directory, name, DateTimeOffset.UtcNow.AddYears(1));
        return new Dictionary<string, string?>
        {
            ["Credentials:SigningCertificatePath"] = Path.Combine(Directory, $"{name}.crt"),
            ["Credentials:SigningKeyPath"] = Path.Combine(Directory, $"{name}.key"),
        };
    }

    /// <summary>Settings for another encryption certificate (a PFX), as a deployment that does not share this one's.</summary>
    public static IReadOnlyDictionary<string, string?> NewEncryptionCertificateSettings()
    {
        var path = Path.Combine(Directory, $"encryption-{Guid.NewGuid():N}.pfx");
        using var encryption = CreateSelfSigned("RedisJwt test encryption (other)", X509KeyUsageFlags.KeyEncipherment, DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllBytes(path, encryption.Export(X509ContentType.Pfx, PfxPassword));
        return new Dictionary<string, string?> { ["Credentials:EncryptionCertificatePath"] = path };
    }

    /// <summary>Settings for signing with ES256: an EC P-256 certificate and key, as PEM.</summary>
    public static IReadOnlyDictionary<string, string?> EcSigningSettings()
    {
        var name = $"signing-ec-{Guid.NewGuid():N}";
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=RedisJwt test signing (ES256)", ecdsa, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllText(Path.Combine(Directory, $"{name}.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(Directory, $"{name}.key"), ecdsa.ExportPkcs8PrivateKeyPem());
        return new Dictionary<string, string?>
        {
            ["Credentials:SigningAlgorithm"] = "ES256",
            ["Credentials:SigningCertificatePath"] = Path.Combine(Directory, $"{name}.crt"),
            ["Credentials:SigningKeyPath"] = Path.Combine(Directory, $"{name}.key"),
        };
    }

    private static void WriteSigningPem(string folder, string name, DateTimeOffset notAfter)
    {
        using var signing = CreateSelfSigned("RedisJwt test signing", X509KeyUsageFlags.DigitalSignature, notAfter);
        File.WriteAllText(Path.Combine(folder, $"{name}.crt"), signing.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, $"{name}.key"), signing.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    private static string Create()
    {
        var folder = System.IO.Directory.CreateTempSubdirectory("redisjwt-test-certs-").FullName;
        var notAfter = DateTimeOffset.UtcNow.AddYears(1);

        WriteSigningPem(folder, "signing", notAfter);

        using var encryption = CreateSelfSigned("RedisJwt test encryption", X509KeyUsageFlags.KeyEncipherment, notAfter);
        File.WriteAllBytes(Path.Combine(folder, "encryption.pfx"), encryption.Export(X509ContentType.Pfx, PfxPassword));

        return folder;
    }
}
