using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// Initial and registration access tokens: 32 random bytes (256 bits), base64url, shown once; the server keeps only
/// their SHA-256 (a high-entropy token needs no slow hash: nothing can be guessed from its digest).
/// </summary>
public static class RegistrationSecrets
{
    public const int HashLength = 32;

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>A short random id, for listing and revoking an initial access token without its secret.</summary>
    public static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Constant time, so a response time tells nothing of how much of a guess matched.</summary>
    public static bool Matches(string presented, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(Hash(presented), storedHash);
}
