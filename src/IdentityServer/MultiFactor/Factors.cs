using System.Buffers.Text;
using System.Security.Cryptography;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>The names of a user's second factors in the <see cref="FactorLedger"/>.</summary>
public static class Factors
{
    public const string Authenticator = "totp";
    public const string RecoveryCodes = "recovery-codes";

    private const string PasskeyPrefix = "passkey:";

    /// <summary>
    /// "passkey:" and the credential id, base64url. WebAuthn allows ids of up to 1023 bytes; one too long for the
    /// column (rare: authenticators use 16 to 64 bytes) is named by "passkey:sha256-" and its SHA-256 instead.
    /// </summary>
    public static string Passkey(byte[] credentialId)
    {
        ArgumentNullException.ThrowIfNull(credentialId);
        var name = PasskeyPrefix + Base64Url.EncodeToString(credentialId);
        return name.Length <= FactorUse.FactorMaxLength
            ? name
            : $"{PasskeyPrefix}sha256-{Base64Url.EncodeToString(SHA256.HashData(credentialId))}";
    }
}
