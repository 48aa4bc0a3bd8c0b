using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Telemetry;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// Checks an email and password for every way of signing in (the login page, the password grant behind
/// /auth/login) and the current password of /auth/password. Failures are one answer, whatever the cause, and cost
/// the same work (a password hash, one UPDATE), so neither the answer nor its timing tells an unknown email from a
/// wrong password or a locked account. A wrong password counts towards lockout, atomically. Sign-ins and lockouts
/// are counted and audited (<see cref="AuthEvents"/>).
/// </summary>
public sealed class CredentialCheck(SignInManager<ApplicationUser> signIns, UserManager<ApplicationUser> users,
    ApplicationDbContext db, IOptions<IdentityOptions> identity, IOptions<AccountSettings> accounts, TimeProvider clock,
    AuthEvents events)
{
    private enum Verdict { Right, Wrong, LockedOut }

    /// <summary>A sign-in's verdict: <see cref="User"/> when it may go ahead.</summary>
    /// <param name="EmailNotConfirmed">The password was right, but Accounts:RequireConfirmedEmail holds it back.</param>
    public sealed record SignInCheck(ApplicationUser? User, bool EmailNotConfirmed);

    /// <summary>
    /// For every way of signing in. The unconfirmed email is checked only after the password (Identity's own
    /// RequireConfirmedEmail checks it before), so only someone who knows the password learns that the account
    /// exists and waits for confirmation.
    /// </summary>
    public async Task<SignInCheck> CheckSignInAsync(string email, string password)
    {
        var user = await users.FindByEmailAsync(email);
        var verdict = Verdict.Wrong;
        if (user is null)
        {
            SpendPasswordCheckTime(password);
            await CountFailureAsync(failed: null);
        }
        else
        {
            verdict = await VerifyAsync(user, password);
        }

        SignInCheck check = verdict switch
        {
            not Verdict.Right => new(null, EmailNotConfirmed: false),
            _ when !user!.EmailConfirmed && accounts.Value.RequireConfirmedEmail => new(null, EmailNotConfirmed: true),
            _ => new(user, EmailNotConfirmed: false),
        };
        events.SignIn(
            check.User is not null ? SignInOutcome.Success
            : check.EmailNotConfirmed ? SignInOutcome.EmailNotConfirmed
            : verdict == Verdict.LockedOut ? SignInOutcome.LockedOut
            : SignInOutcome.Failure,
            verdict == Verdict.Wrong ? null : user?.Id);
        return check;
    }

    /// <summary>The password of a known user, e.g. the current one before a change.</summary>
    public async Task<bool> VerifyPasswordAsync(ApplicationUser user, string password) =>
        await VerifyAsync(user, password) == Verdict.Right;

    private async Task<Verdict> VerifyAsync(ApplicationUser user, string password)
    {
        if (await users.IsLockedOutAsync(user))
        {
            SpendPasswordCheckTime(password);
            await CountFailureAsync(failed: null);
            return Verdict.LockedOut;
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
            await CountFailureAsync(user);
        }

        return result.Succeeded ? Verdict.Right : Verdict.Wrong;
    }

    // One UPDATE, so failures in parallel each count: PostgreSQL evaluates every SET against the row as it is under
    // the row lock. The lockout starts at the Nth failure, which resets the count, as Identity's AccessFailedAsync
    // does. For an unknown email or a locked account the same statement runs and matches no row: the same work.
    private async Task CountFailureAsync(ApplicationUser? failed)
    {
        var lockout = identity.Value.Lockout;
        var until = clock.GetUtcNow() + lockout.DefaultLockoutTimeSpan;
        var userId = failed?.Id ?? "";
        var changed = await db.Users
            .Where(user => user.Id == userId && user.LockoutEnabled)
            .ExecuteUpdateAsync(update => update
                .SetProperty(user => user.LockoutEnd,
                    user => user.AccessFailedCount + 1 >= lockout.MaxFailedAccessAttempts ? until : user.LockoutEnd)
                .SetProperty(user => user.AccessFailedCount,
                    user => user.AccessFailedCount + 1 >= lockout.MaxFailedAccessAttempts ? 0 : user.AccessFailedCount + 1));

        // For the count and the audit only, from the row as read before this failure: failures in parallel may see
        // the same count, so a lockout can go uncounted (never wrongly enforced: the UPDATE above decides that).
        if (changed == 1 && failed!.AccessFailedCount + 1 >= lockout.MaxFailedAccessAttempts)
        {
            events.LockedOut(failed.Id);
        }
    }

    // Hashing costs what verifying does: the same PBKDF2 with the same iteration count.
    private void SpendPasswordCheckTime(string password) =>
        users.PasswordHasher.HashPassword(new ApplicationUser(), password);
}
