using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RedisJwt.IdentityServer.Credentials;

/// <summary>The kind of key a certificate must hold.</summary>
public enum CertificateKey
{
    Rsa,

    /// <summary>ECDSA on the P-256 curve, for ES256.</summary>
    EcP256,
}

public static class CertificateLoader
{
    /// <summary>Loads a PFX, or a PEM certificate with its PEM key, and checks it can serve the given key usage.</summary>
    /// <exception cref="InvalidOperationException">With a message naming <paramref name="setting"/>.</exception>
    public static X509Certificate2 Load(string setting, string certificatePath, string? keyPath, string? password,
        string contentRoot, X509KeyUsageFlags requiredUsage, TimeProvider time, CertificateKey key = CertificateKey.Rsa)
    {
        var certificateFile = Path.GetFullPath(certificatePath, contentRoot);
        if (!File.Exists(certificateFile))
        {
            throw new InvalidOperationException($"{setting}: certificate file '{certificateFile}' does not exist.");
        }

        X509Certificate2 certificate;
        try
        {
            certificate = string.IsNullOrEmpty(keyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(certificateFile, password)
                : X509Certificate2.CreateFromPemFile(certificateFile, Path.GetFullPath(keyPath, contentRoot));
        }
        catch (Exception exception) when (exception is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new InvalidOperationException($"{setting}: '{certificateFile}' could not be loaded: {exception.Message}", exception);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"{setting}: '{certificateFile}' has no private key.");
        }

        if (!Holds(certificate, key))
        {
            throw new InvalidOperationException(key == CertificateKey.Rsa
                ? $"{setting}: '{certificateFile}' must hold an RSA key."
                : $"{setting}: '{certificateFile}' must hold an EC P-256 key (for ES256).");
        }

        // A certificate that declares key usages must declare the one we need (RFC 5280 4.2.1.3).
        var usages = certificate.Extensions.OfType<X509KeyUsageExtension>().ToList();
        if (usages.Count > 0 && !usages.Exists(usage => usage.KeyUsages.HasFlag(requiredUsage)))
        {
            throw new InvalidOperationException($"{setting}: '{certificateFile}' does not allow {requiredUsage}.");
        }

        if (certificate.NotAfter.ToUniversalTime() <= time.GetUtcNow().UtcDateTime)
        {
            throw new InvalidOperationException($"{setting}: '{certificateFile}' expired on {certificate.NotAfter:u}.");
        }

        return certificate;
    }

    private static bool Holds(X509Certificate2 certificate, CertificateKey key)
    {
        if (key == CertificateKey.Rsa)
        {
            return certificate.GetRSAPublicKey() is not null;
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        return ecdsa?.ExportParameters(false).Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value;
    }
}
