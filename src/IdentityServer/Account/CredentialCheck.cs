using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Telemetry;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// Checks an email and password for every way of signing in (the login page, the password grant behind
/// /auth/login) and the current password of /auth/password. Failures are one answer, whatever the cause, and cost
/// the same work (two UPDATEs and a password hash), so neither the answer nor its timing tells an unknown email from a
/// wrong password or a locked account. Each attempt is reserved before the password is checked, so lockout holds
/// against guesses sent in parallel. Sign-ins and lockouts are counted and audited (<see cref="AuthEvents"/>).
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
            // What a wrong password costs: the reservation, a hash, the settlement (neither UPDATE matches a row).
            await ReserveAttemptAsync(userId: "");
            SpendPasswordCheckTime(password);
            await SettleAsync(userId: "", succeeded: false);
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
        if (!user.LockoutEnabled)
        {
            return (await signIns.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false)).Succeeded ? Verdict.Right : Verdict.Wrong;
        }

        // The attempt is taken before the password is checked, so guesses sent in parallel cannot all be checked while
        // the count still reads zero: of any number at once, at most MaxFailedAccessAttempts get this far.
        if (!await ReserveAttemptAsync(user.Id))
        {
            SpendPasswordCheckTime(password);
            await SettleAsync(userId: "", succeeded: false);
            return Verdict.LockedOut;
        }

        // Lockout counted here: Identity's own count (read, add one, save) loses failures sent in parallel.
        var result = await signIns.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false);
        if (result.IsNotAllowed)
        {
            // Refused before the password was checked (e.g. an unconfirmed email, when that is required).
            SpendPasswordCheckTime(password);
        }

        await SettleAsync(user.Id, result.Succeeded, failed: user);
        return result.Succeeded ? Verdict.Right : Verdict.Wrong;
    }

    // One UPDATE: PostgreSQL evaluates it against the row as it is under the row lock, so reservations made in parallel
    // each see the others'. Refused while the account is locked, or while every attempt it has left is in flight. For
    // an unknown email the same statement runs and matches no row: the same work.
    private async Task<bool> ReserveAttemptAsync(string userId)
    {
        var now = clock.GetUtcNow();
        var max = identity.Value.Lockout.MaxFailedAccessAttempts;
        return await db.Users
            .Where(user => user.Id == userId && user.LockoutEnabled && (user.LockoutEnd == null || user.LockoutEnd <= now)
                && user.AccessFailedCount < max)
            .ExecuteUpdateAsync(update => update.SetProperty(user => user.AccessFailedCount, user => user.AccessFailedCount + 1)) == 1;
    }

    // A right password gives every reserved attempt back (as Identity resets the count on success). A wrong one keeps
    // its attempt; the one that used the last attempt locks the account and starts the count again, as Identity's
    // AccessFailedAsync does.
    private async Task SettleAsync(string userId, bool succeeded, ApplicationUser? failed = null)
    {
        if (succeeded)
        {
            await db.Users.Where(user => user.Id == userId)
                .ExecuteUpdateAsync(update => update.SetProperty(user => user.AccessFailedCount, 0));
            return;
        }

        var lockout = identity.Value.Lockout;
        var until = clock.GetUtcNow() + lockout.DefaultLockoutTimeSpan;
        var locked = await db.Users
            .Where(user => user.Id == userId && user.AccessFailedCount >= lockout.MaxFailedAccessAttempts)
            .ExecuteUpdateAsync(update => update
                .SetProperty(user => user.LockoutEnd, until)
                .SetProperty(user => user.AccessFailedCount, 0));
        if (locked == 1)
        {
            events.LockedOut(failed!.Id);
        }
    }

    // Hashing costs what verifying does: the same PBKDF2 with the same iteration count.
    private void SpendPasswordCheckTime(string password) =>
        users.PasswordHasher.HashPassword(new ApplicationUser(), password);
}
