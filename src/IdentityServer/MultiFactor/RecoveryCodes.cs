using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Recovery codes as the user sees them (16 Crockford base32 characters: 80 random bits, lower case, in groups of four,
/// e.g. <c>7k2m-q9xr-0c4t-hv8w</c>) and as the store keeps them: only a hash of each.
/// </summary>
public static class RecoveryCodes
{
    public const int Length = 16;

    private const int GroupLength = 4;

    // Crockford's base32: no i, l, o or u, which are read as 1, 1, 0 (Normalize) or are simply left out.
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>A new code: 16 characters of 5 bits each from the system's CSPRNG.</summary>
    public static string Create()
    {
        var code = RandomNumberGenerator.GetString(Alphabet, Length);
        return string.Join('-', code.Chunk(GroupLength).Select(group => new string(group)));
    }

    /// <summary>
    /// What the user typed, as the code was made: lower case, without dashes or white space, and the letters Crockford's
    /// base32 reads as digits (i and l as 1, o as 0) replaced.
    /// </summary>
    public static string Normalize(string typed)
    {
        var normalized = new StringBuilder(Length);
        foreach (var character in typed)
        {
            if (char.IsWhiteSpace(character) || character == '-')
            {
                continue;
            }

            normalized.Append(char.ToLowerInvariant(character) switch
            {
                'i' or 'l' => '1',
                'o' => '0',
                var other => other,
            });
        }

        return normalized.ToString();
    }

    /// <summary>
    /// What the store keeps of a code: SHA-256 over the user id and the normalized code, base64url. No slow hash is
    /// needed, since a code carries 80 random bits; the user id keeps equal codes of two users apart.
    /// </summary>
    public static string Hash(string userId, string code) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes($"{userId}\n{Normalize(code)}")));
}
