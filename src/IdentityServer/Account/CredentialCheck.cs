using Microsoft.AspNetCore.Identity;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// Checks an email and password for every way of signing in (the login page, the password grant behind
/// /auth/login). Failures are one answer, whatever the cause, and take about the time of a password check, so
/// neither the answer nor its timing tells an unknown email from a wrong password or a locked account. A wrong
/// password counts towards lockout.
/// </summary>
public sealed class CredentialCheck(SignInManager<ApplicationUser> signIns, UserManager<ApplicationUser> users)
{
    /// <returns>The user, or null for any failure.</returns>
    public async Task<ApplicationUser?> VerifyAsync(string email, string password)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is null || await users.IsLockedOutAsync(user))
        {
            SpendPasswordCheckTime(password);
            return null;
        }

        var result = await signIns.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (result.IsNotAllowed)
        {
            // Refused before the password was checked (e.g. an unconfirmed email, when that is required).
            SpendPasswordCheckTime(password);
        }

        return result.Succeeded ? user : null;
    }

    // Hashing costs what verifying does: the same PBKDF2 with the same iteration count.
    private void SpendPasswordCheckTime(string password) =>
        users.PasswordHasher.HashPassword(new ApplicationUser(), password);
}
