using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.DPoP;

/// <summary>
/// Server-provided DPoP nonces (RFC 9449 section 8): one random value per window of
/// <see cref="ServerSettings.DPoPNonceLifetime"/>, shared by every instance through Redis, so a nonce one instance
/// handed out is good at the next. The current and the previous window's values are accepted: a nonce given out just
/// before a rotation still works once, and so is the next window's: an instance whose clock runs a little ahead may have
/// handed it out already. A proof must carry a recent nonce, so a proof made in advance by a thief (who once ran script
/// in the page) expires with the window.
/// </summary>
public sealed class DPoPNonces(IConnectionMultiplexer redis, RedisKeys keys, IOptions<ServerSettings> settings, TimeProvider clock)
{
    // Each window's value, once read: Redis is asked once per window per instance.
    private readonly ConcurrentDictionary<long, string> _known = new();

    public ValueTask<string> CurrentAsync() => OfWindowAsync(CurrentWindow());

    public async ValueTask<bool> IsCurrentAsync(string? nonce)
    {
        if (string.IsNullOrEmpty(nonce))
        {
            return false;
        }

        var window = CurrentWindow();
        return Same(nonce, await OfWindowAsync(window)) || Same(nonce, await OfWindowAsync(window - 1))
            || Same(nonce, await OfWindowAsync(window + 1));
    }

    private long CurrentWindow() => clock.GetUtcNow().ToUnixTimeMilliseconds() / (long)settings.Value.DPoPNonceLifetime.TotalMilliseconds;

    private async ValueTask<string> OfWindowAsync(long window)
    {
        if (_known.TryGetValue(window, out var known))
        {
            return known;
        }

        var candidate = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        // SET NX GET: the first writer's value wins and everyone reads it. Kept for three windows: the previous one is
        // still accepted while the current one lasts.
        var stored = await redis.GetDatabase().StringSetAndGetAsync(keys.DPoPNonce(window), candidate,
            settings.Value.DPoPNonceLifetime * 3, keepTtl: false, When.NotExists);
        var value = stored.IsNull ? candidate : stored.ToString();
        _known[window] = value;
        foreach (var old in _known.Keys.Where(key => key < CurrentWindow() - 1))
        {
            _known.TryRemove(old, out _);
        }

        return value;
    }

    private static bool Same(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
