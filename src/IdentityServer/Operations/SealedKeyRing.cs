using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using RedisJwt.IdentityServer.Credentials;

namespace RedisJwt.IdentityServer.Operations;

/// <summary>
/// The Data Protection key ring as Redis holds it, each element sealed with an HMAC keyed from the encryption
/// certificate (<see cref="ConfiguredCredentials.SealKey"/>), as the signing key ring's rows are. Data Protection takes
/// any key it reads as its own; only sealed ones are handed to it here, so a key someone wrote into Redis without the
/// certificate (a planted key would let its writer forge any cookie, code or refresh token) is never used, nor is any key from before keys were
/// sealed and encrypted, which a reader of Redis may have copied in clear: Data Protection then makes a new one.
/// </summary>
public sealed class SealedKeyRing(IXmlRepository redis, ConfiguredCredentials credentials, ILogger<SealedKeyRing> logger) : IXmlRepository
{
    private static readonly XName SealAttribute = "redisjwt-seal";

    private readonly Lazy<byte[]> _sealKey = new(() => credentials.SealKey("RedisJwt Data Protection key ring seal v1"));

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var trusted = new List<XElement>();
        var refused = 0;
        foreach (var element in redis.GetAllElements())
        {
            var seal = element.Attribute(SealAttribute)?.Value;
            var unsealed = new XElement(element);
            unsealed.Attribute(SealAttribute)?.Remove();
            if (seal is not null && Verify(unsealed, seal))
            {
                trusted.Add(unsealed);
            }
            else
            {
                refused++;
            }
        }

        if (refused > 0)
        {
            logger.LogWarning("{Refused} Data Protection key ring element(s) in Redis are not sealed by this deployment's encryption "
                + "certificate (written before keys were sealed, with another certificate, or by someone else): ignored.", refused);
        }

        return trusted;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var sealedElement = new XElement(element);
        sealedElement.SetAttributeValue(SealAttribute, Convert.ToBase64String(Mac(element)));
        redis.StoreElement(sealedElement, friendlyName);
    }

    private bool Verify(XElement unsealed, string seal)
    {
        Span<byte> expected = stackalloc byte[32];
        return Convert.TryFromBase64String(seal, expected, out var written) && written == expected.Length
            && CryptographicOperations.FixedTimeEquals(expected, Mac(unsealed));
    }

    // The element as Redis stores it (RedisXmlRepository writes it without formatting), so it reads back the same.
    private byte[] Mac(XElement element) =>
        HMACSHA256.HashData(_sealKey.Value, Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting)));
}
