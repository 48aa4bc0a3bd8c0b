using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// Which presented client secrets this process has seen match their stored hash. A confidential client sends its
/// secret with every token and introspection request, and checking it against the stored PBKDF2 hash costs ~2 ms of
/// CPU each time: the ceiling of the whole server. A verdict is kept under a keyed hash (HMAC-SHA256 with a random
/// key of this process) of the client id, the stored hash and the presented secret, never the secret itself. The
/// stored hash is part of the key, so a changed secret matches nothing remembered; only matches are remembered, so a
/// wrong secret always pays the full check.
/// </summary>
public sealed class ClientSecretVerdicts : IDisposable
{
    /// <summary>What a match is worth remembering for: it stays true while the stored hash is the same.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private const int MaxRemembered = 10_000;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly MemoryCache _matched = new(new MemoryCacheOptions { SizeLimit = MaxRemembered });

    public string KeyOf(string clientId, string storedHash, string presentedSecret)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        foreach (var part in (ReadOnlySpan<string>)[clientId, storedHash, presentedSecret])
        {
            // Length-prefixed, so that no two different triples hash the same input.
            var bytes = Encoding.UTF8.GetBytes(part);
            hmac.AppendData(BitConverter.GetBytes(bytes.Length));
            hmac.AppendData(bytes);
        }

        return Convert.ToBase64String(hmac.GetHashAndReset());
    }

    public bool Matched(string key) => _matched.TryGetValue(key, out _);

    public void RememberMatch(string key) =>
        _matched.Set(key, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });

    public void Dispose() => _matched.Dispose();
}
