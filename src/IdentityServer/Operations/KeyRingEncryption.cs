using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using RedisJwt.IdentityServer.Credentials;

namespace RedisJwt.IdentityServer.Operations;

/// <summary>
/// Encrypts each Data Protection key with the encryption certificate, as <c>ProtectKeysWithCertificate</c> does (XML
/// Encryption, the content key wrapped with the certificate's RSA key), naming <see cref="KeyRingDecryptor"/> to read it
/// back. Data Protection's own decryptor finds certificates only in an OS store or through options it keeps internal,
/// which can be filled only with a certificate in hand when services are registered; the certificate here is the one
/// <see cref="ConfiguredCredentials"/> loads when first needed, like every other use of it.
/// </summary>
public sealed class KeyRingEncryptor(ConfiguredCredentials credentials, ILoggerFactory loggers) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new CertificateXmlEncryptor(credentials.EncryptionCertificate, loggers).Encrypt(plaintextElement).EncryptedElement,
            typeof(KeyRingDecryptor));
}

/// <summary>Decrypts a key <see cref="KeyRingEncryptor"/> wrote; created by Data Protection with the services.</summary>
public sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var certificate = services.GetRequiredService<ConfiguredCredentials>().EncryptionCertificate;
        var document = new XmlDocument { PreserveWhitespace = true };
        document.Load(new XElement("root", encryptedElement).CreateReader());
        new WithCertificate(document, certificate).DecryptDocument();
        return XElement.Load(document.DocumentElement!.FirstChild!.CreateNavigator()!.ReadSubtree());
    }

    // The content key is wrapped to the certificate named in the key info: unwrapped with that certificate's private key
    // when it is ours; otherwise nothing (a key encrypted to another certificate is unreadable here, and says so).
    private sealed class WithCertificate(XmlDocument document, X509Certificate2 certificate) : EncryptedXml(document)
    {
        public override byte[]? DecryptEncryptedKey(EncryptedKey encryptedKey)
        {
            var named = encryptedKey.KeyInfo.OfType<KeyInfoX509Data>().SelectMany(data => data.Certificates?.OfType<X509Certificate2>() ?? []);
            if (!named.Any(candidate => candidate.Thumbprint == certificate.Thumbprint))
            {
                throw new System.Security.Cryptography.CryptographicException(
                    "This Data Protection key is encrypted to another certificate than Credentials:EncryptionCertificatePath.");
            }

            using var rsa = certificate.GetRSAPrivateKey()
                ?? throw new System.Security.Cryptography.CryptographicException("The encryption certificate has no RSA private key.");
            return DecryptKey(encryptedKey.CipherData.CipherValue!, rsa, encryptedKey.EncryptionMethod?.KeyAlgorithm == XmlEncRSAOAEPUrl);
        }
    }
}
