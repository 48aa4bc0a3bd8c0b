using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// A message's text (reset and confirmation links, codes) is sealed from the moment it is queued until a consumer hands
/// it to its provider: in the topic streams, the retry sets and the dead letters, Redis holds only ciphertext (Data
/// Protection, whose keys Redis holds only encrypted and sealed to the encryption certificate). The seal is bound to
/// the message's id, channel, recipient and kind, and only sealed texts are sent: an entry written into Redis by anyone
/// else, or a queued reset link redirected to another recipient, is dead-lettered, never delivered.
/// </summary>
public sealed class MessageSealing(IDataProtectionProvider protection)
{
    private const string Marker = "sealed:v1:";

    private readonly IDataProtector _protector = protection.CreateProtector("RedisJwt.IdentityServer.Messages.Text.v1");

    /// <returns>The entry's text, sealed for this entry.</returns>
    public string Seal(MessageEntry entry) => Marker + For(entry).Protect(entry.Text);

    /// <exception cref="CryptographicException">Not sealed, not for this entry, or not by this deployment's key ring.</exception>
    public string Open(MessageEntry entry) => entry.Text.StartsWith(Marker, StringComparison.Ordinal)
        ? For(entry).Unprotect(entry.Text[Marker.Length..])
        : throw new CryptographicException("The text is not sealed.");

    private IDataProtector For(MessageEntry entry) => _protector.CreateProtector(entry.Id, entry.Channel, entry.Recipient, entry.Kind);
}
