using System.Globalization;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Accepts each authenticator (TOTP) code of a user once (RFC 6238 section 5.2): whoever watched it being typed cannot
/// sign in with it while it is still valid. Call it after the code has been verified. A Redis error propagates: the
/// caller refuses the sign-in as temporarily unavailable rather than let a code be used twice.
/// </summary>
public sealed class AuthenticatorCodeGuard(IConnectionMultiplexer redis, RedisKeys keys)
{
    /// <summary>
    /// How long a used code is remembered. Identity's AuthenticatorTokenProvider accepts the codes of the two 30-second
    /// time steps before and after the current one, so a code is accepted for at most 150 seconds; twice that, with room.
    /// </summary>
    public static readonly TimeSpan UsedCodeLifetime = TimeSpan.FromMinutes(5);

    /// <returns>True the first time this user presents this code; false for every later use within the lifetime.</returns>
    public Task<bool> TryUseOnceAsync(string userId, string code)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentNullException.ThrowIfNull(code);
        return redis.GetDatabase().StringSetAsync(keys.AuthenticatorCodeUse(userId, Canonical(code)), "1", UsedCodeLifetime,
            When.NotExists);
    }

    // Identity reads the code with int.TryParse, so "012345", "12345", " +12345" are one code to it: one to us too.
    private static string Canonical(string code)
    {
        var digits = code.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        return int.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value.ToString(CultureInfo.InvariantCulture)
            : digits;
    }
}
