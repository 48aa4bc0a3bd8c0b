using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.IdentityServer.Credentials;

/// <summary>
/// The certificates named in the "Credentials" section, loaded once: the encryption certificate, and the configured
/// signing certificate, which signs until the first generated key of the ring activates.
/// </summary>
public sealed class ConfiguredCredentials(IOptions<CredentialOptions> options, IHostEnvironment environment, TimeProvider clock)
{
    private readonly Lazy<(SigningCredentials Signing, X509Certificate2 Encryption)> _loaded = new(() =>
    {
        var settings = options.Value;
        var root = environment.ContentRootPath;
        var algorithm = settings.SigningAlgorithm;
        var signing = CertificateLoader.Load("Credentials:SigningCertificatePath", settings.SigningCertificatePath,
            settings.SigningKeyPath, settings.SigningCertificatePassword, root, X509KeyUsageFlags.DigitalSignature, clock,
            algorithm == SecurityAlgorithms.EcdsaSha256 ? CertificateKey.EcP256 : CertificateKey.Rsa);
        var encryption = CertificateLoader.Load("Credentials:EncryptionCertificatePath", settings.EncryptionCertificatePath,
            settings.EncryptionKeyPath, settings.EncryptionCertificatePassword, root, X509KeyUsageFlags.KeyEncipherment, clock);
        // One fixed algorithm per key, published with it in the JWKS: no room for alg confusion (RFC 8725 3.1).
        return (new SigningCredentials(SigningKey(signing, algorithm), algorithm), encryption);
    });

    public SigningCredentials Signing => _loaded.Value.Signing;

    public X509Certificate2 EncryptionCertificate => _loaded.Value.Encryption;

    /// <summary>
    /// A MAC key for <paramref name="purpose"/>, derived (HKDF, RFC 5869) from the encryption certificate's private key:
    /// what is sealed with it can be written only by a holder of that certificate, and checked by no one else.
    /// </summary>
    public byte[] SealKey(string purpose)
    {
        using var rsa = EncryptionCertificate.GetRSAPrivateKey()
            ?? throw new CryptographicException("The encryption certificate has no RSA private key.");
        var privateKey = rsa.ExportRSAPrivateKey();
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, privateKey, 32, info: Encoding.UTF8.GetBytes(purpose));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }
    }

    public EncryptingCredentials Encrypting => new(new X509SecurityKey(EncryptionCertificate),
        SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512);

    // IdentityModel signs ES256 only with an ECDsaSecurityKey, not with an X509SecurityKey over an EC certificate.
    private static SecurityKey SigningKey(X509Certificate2 certificate, string algorithm) =>
        algorithm == SecurityAlgorithms.EcdsaSha256
            ? new ECDsaSecurityKey(certificate.GetECDsaPrivateKey()) { KeyId = certificate.Thumbprint }
            : new X509SecurityKey(certificate);
}
