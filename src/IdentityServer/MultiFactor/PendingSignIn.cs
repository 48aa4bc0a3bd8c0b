using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using RedisJwt.IdentityServer.Account;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Between a right password and the second factor: a short-lived, protected cookie naming the user (and the security
/// stamp they had, so a password reset in between voids it), never a session. Only the second-factor page reads it;
/// nothing else treats its holder as signed in. Its own cookie, not Identity's TwoFactorUserId one, which Identity's
/// passkey ceremonies overwrite with their state.
/// </summary>
public sealed class PendingSignIn(IDataProtectionProvider protection, UserManager<ApplicationUser> users,
    IHostEnvironment environment)
{
    public const string CookieName = "redisjwt.pending";

    // Long enough to find the phone; the password is asked again after it.
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("RedisJwt.IdentityServer.PendingSignIn.v1").ToTimeLimitedDataProtector();

    /// <summary>The password was right; the second factor is next.</summary>
    public void Start(HttpContext http, ApplicationUser user, bool persistent) =>
        http.Response.Cookies.Append(Name, _protector.Protect($"{user.Id}|{user.SecurityStamp}|{persistent}", Lifetime),
            CookieOptions(http));

    /// <summary>The user whose password was right a moment ago, and whether they asked to stay signed in; null if none.</summary>
    public async Task<(ApplicationUser User, bool Persistent)?> ReadAsync(HttpContext http)
    {
        if (http.Request.Cookies[Name] is not { Length: > 0 } value)
        {
            return null;
        }

        string[] parts;
        try
        {
            parts = _protector.Unprotect(value).Split('|');
        }
        catch (CryptographicException)
        {
            // Expired, forged or from another key ring.
            return null;
        }

        return parts is [var userId, var stamp, var persistent]
            && await users.FindByIdAsync(userId) is { } user
            && user.SecurityStamp == stamp
                ? (user, persistent == bool.TrueString)
                : null;
    }

    public void End(HttpContext http) => http.Response.Cookies.Delete(Name, CookieOptions(http));

    private string Name => environment.IsDevelopment() ? CookieName : BrowserCookies.HostPrefix + CookieName;

    private CookieOptions CookieOptions(HttpContext http)
    {
        var cookie = new CookieBuilder();
        BrowserCookies.Harden(cookie, CookieName, environment);
        return cookie.Build(http);
    }
}
