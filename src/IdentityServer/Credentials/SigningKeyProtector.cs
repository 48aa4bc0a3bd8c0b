using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.IdentityServer.Credentials;

/// <summary>
/// Makes and opens the ring's keys. A private key is stored as CMS EnvelopedData (RFC 5652; AES-256-CBC, the content
/// key wrapped with RSA-OAEP-SHA256) to the configured encryption certificate, which every instance already loads: the
/// database alone never reveals a signing key, and opening one needs nothing but that certificate (not Redis). Each row
/// is sealed (<see cref="SigningKey.Seal"/>) with a key derived from that certificate's private key, so a row written
/// by anyone else (a database write alone) is never used.
/// </summary>
public sealed class SigningKeyProtector(ConfiguredCredentials credentials)
{
    private static readonly Oid Aes256Cbc = new("2.16.840.1.101.3.4.1.42");
    // The seal stands and falls with the certificate the keys are enveloped to.
    private readonly Lazy<byte[]> _sealKey = new(() => credentials.SealKey("RedisJwt signing key ring seal v1"));

    /// <summary>A new key for <paramref name="algorithm"/>: RSA 2048 for RS256/PS256, P-256 for ES256.</summary>
    public SigningKey Create(string algorithm, DateTimeOffset now, DateTimeOffset activatesAt)
    {
        using AsymmetricAlgorithm key = algorithm == SecurityAlgorithms.EcdsaSha256
            ? ECDsa.Create(ECCurve.NamedCurves.nistP256)
            : RSA.Create(2048);
        var pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            var stored = new SigningKey
            {
                Id = Base64UrlEncoder.Encode(PublicJwk(key).ComputeJwkThumbprint()),
                Algorithm = algorithm,
                CreatedAt = now,
                ActivatesAt = activatesAt,
                ProtectedKey = Protect(pkcs8, credentials.EncryptionCertificate),
            };
            stored.Seal = SealOf(stored);
            return stored;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>The credentials a stored key signs with.</summary>
    /// <exception cref="CryptographicException">
    /// It was not sealed and enveloped for the configured encryption certificate, or its id is not its thumbprint.
    /// </exception>
    public SigningCredentials Open(SigningKey stored)
    {
        if (!CryptographicOperations.FixedTimeEquals(stored.Seal, SealOf(stored)))
        {
            throw new CryptographicException("Its seal does not match: it was not written by a holder of the encryption certificate.");
        }

        var envelope = new EnvelopedCms();
        envelope.Decode(stored.ProtectedKey);
        using var privateKey = credentials.EncryptionCertificate.GetRSAPrivateKey()
            ?? throw new CryptographicException("The encryption certificate has no RSA private key.");
        envelope.Decrypt(envelope.RecipientInfos[0], privateKey);
        var pkcs8 = envelope.ContentInfo.Content;
        try
        {
            AsymmetricAlgorithm opened = stored.Algorithm == SecurityAlgorithms.EcdsaSha256 ? Import(ECDsa.Create(), pkcs8) : Import(RSA.Create(), pkcs8);
            if (Base64UrlEncoder.Encode(PublicJwk(opened).ComputeJwkThumbprint()) != stored.Id)
            {
                throw new CryptographicException("Its id is not the thumbprint of the key it holds.");
            }

            SecurityKey key = opened is ECDsa ecdsa
                ? new ECDsaSecurityKey(ecdsa) { KeyId = stored.Id }
                : new RsaSecurityKey((RSA)opened) { KeyId = stored.Id };
            return new SigningCredentials(key, stored.Algorithm);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    // Everything that decides how a row is used: its id, algorithm, activation and key.
    private byte[] SealOf(SigningKey stored)
    {
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _sealKey.Value);
        mac.AppendData(System.Text.Encoding.UTF8.GetBytes($"{stored.Id}\n{stored.Algorithm}\n{stored.ActivatesAt.ToUnixTimeMilliseconds()}\n"));
        mac.AppendData(stored.ProtectedKey);
        return mac.GetHashAndReset();
    }

    private static byte[] Protect(byte[] pkcs8, X509Certificate2 recipient)
    {
        var envelope = new EnvelopedCms(new ContentInfo(pkcs8), new AlgorithmIdentifier(Aes256Cbc));
        envelope.Encrypt(new CmsRecipient(SubjectIdentifierType.IssuerAndSerialNumber, recipient, RSAEncryptionPadding.OaepSHA256));
        return envelope.Encode();
    }

    private static T Import<T>(T key, byte[] pkcs8) where T : AsymmetricAlgorithm
    {
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        return key;
    }

    private static JsonWebKey PublicJwk(AsymmetricAlgorithm key) => key is ECDsa ecdsa
        ? JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ecdsa))
        : JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(((RSA)key).ExportParameters(false)));
}
