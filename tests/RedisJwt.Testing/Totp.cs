using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RedisJwt.Testing;

/// <summary>What an authenticator app computes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), from the base32 key.</summary>
public static class Totp
{
    /// <param name="stepOffset">Whole 30-second steps from now: the server accepts a few either side of its own.</param>
    public static string Code(string base32Key, int stepOffset = 0) =>
        Code(base32Key, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30 * stepOffset));

    public static string Code(string base32Key, DateTimeOffset at)
    {
        var step = at.ToUnixTimeSeconds() / 30;
        var message = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(message, step);
        var hash = HMACSHA1.HashData(Base32Decode(base32Key), message);
        var offset = hash[^1] & 0x0f;
        var binary = BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7fffffff;
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32Decode(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0;
        var value = 0;
        var bytes = new List<byte>();
        foreach (var character in text.ToUpperInvariant().Where(c => c is not (' ' or '=')))
        {
            value = (value << 5) | Alphabet.IndexOf(character);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(value >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}
