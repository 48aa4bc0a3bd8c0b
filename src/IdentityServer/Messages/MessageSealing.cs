using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// A message's text (reset and confirmation links, codes) is sealed from the moment it is queued until a consumer hands
/// it to its provider: in the topic streams, the retry sets and the dead letters, Redis holds only ciphertext (Data
/// Protection, whose key ring Redis itself holds only encrypted to the encryption certificate). A text queued before
/// sealing existed carries no marker and passes as it is.
/// </summary>
public sealed class MessageSealing(IDataProtectionProvider protection)
{
    private const string Marker = "sealed:v1:";

    private readonly IDataProtector _protector = protection.CreateProtector("RedisJwt.IdentityServer.Messages.Text.v1");

    public string Seal(string text) => Marker + _protector.Protect(text);

    /// <exception cref="CryptographicException">Not sealed by this deployment's key ring, or altered.</exception>
    public string Open(string stored) =>
        stored.StartsWith(Marker, StringComparison.Ordinal) ? _protector.Unprotect(stored[Marker.Length..]) : stored;
}
