using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// Checks an email and password for every way of signing in (the login page, the password grant behind
/// /auth/login) and the current password of /auth/password. Failures are one answer, whatever the cause, and cost
/// the same work (a password hash, one UPDATE), so neither the answer nor its timing tells an unknown email from a
/// wrong password or a locked account. A wrong password counts towards lockout, atomically.
/// </summary>
public sealed class CredentialCheck(SignInManager<ApplicationUser> signIns, UserManager<ApplicationUser> users,
    ApplicationDbContext db, IOptions<IdentityOptions> identity, IOptions<AccountSettings> accounts, TimeProvider clock)
{
    /// <summary>A sign-in's verdict: <see cref="User"/> when it may go ahead.</summary>
    /// <param name="EmailNotConfirmed">The password was right, but Accounts:RequireConfirmedEmail holds it back.</param>
    public sealed record SignInCheck(ApplicationUser? User, bool EmailNotConfirmed);

    /// <summary>
    /// For every way of signing in. The unconfirmed email is checked only after the password (Identity's own
    /// RequireConfirmedEmail checks it before), so only someone who knows the password learns that the account
    /// exists and waits for confirmation.
    /// </summary>
    public async Task<SignInCheck> CheckSignInAsync(string email, string password) =>
        await VerifyAsync(email, password) switch
        {
            null => new(null, EmailNotConfirmed: false),
            { EmailConfirmed: false } when accounts.Value.RequireConfirmedEmail => new(null, EmailNotConfirmed: true),
            var user => new(user, EmailNotConfirmed: false),
        };

    /// <returns>The user, or null for any failure.</returns>
    public async Task<ApplicationUser?> VerifyAsync(string email, string password)
    {
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            SpendPasswordCheckTime(password);
            await CountFailureAsync(userId: null);
            return null;
        }

        return await VerifyPasswordAsync(user, password) ? user : null;
    }

    /// <summary>The password of a known user, e.g. the current one before a change.</summary>
    public async Task<bool> VerifyPasswordAsync(ApplicationUser user, string password)
    {
        if (await users.IsLockedOutAsync(user))
        {
            SpendPasswordCheckTime(password);
            await CountFailureAsync(userId: null);
            return false;
        }

        // Lockout counted below: Identity's own count (read, add one, save) loses failures sent in parallel.
        var result = await signIns.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false);
        if (result.IsNotAllowed)
        {
            // Refused before the password was checked (e.g. an unconfirmed email, when that is required).
            SpendPasswordCheckTime(password);
        }

        if (!result.Succeeded)
        {
            await CountFailureAsync(user.Id);
        }

        return result.Succeeded;
    }

    // One UPDATE, so failures in parallel each count: PostgreSQL evaluates every SET against the row as it is under
    // the row lock. The lockout starts at the Nth failure, which resets the count, as Identity's AccessFailedAsync
    // does. For an unknown email or a locked account the same statement runs and matches no row: the same work.
    private async Task CountFailureAsync(string? userId)
    {
        var lockout = identity.Value.Lockout;
        var until = clock.GetUtcNow() + lockout.DefaultLockoutTimeSpan;
        await db.Users
            .Where(user => user.Id == (userId ?? "") && user.LockoutEnabled)
            .ExecuteUpdateAsync(update => update
                .SetProperty(user => user.LockoutEnd,
                    user => user.AccessFailedCount + 1 >= lockout.MaxFailedAccessAttempts ? until : user.LockoutEnd)
                .SetProperty(user => user.AccessFailedCount,
                    user => user.AccessFailedCount + 1 >= lockout.MaxFailedAccessAttempts ? 0 : user.AccessFailedCount + 1));
    }

    // Hashing costs what verifying does: the same PBKDF2 with the same iteration count.
    private void SpendPasswordCheckTime(string password) =>
        users.PasswordHasher.HashPassword(new ApplicationUser(), password);
}
