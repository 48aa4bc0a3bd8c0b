using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Telemetry;

namespace RedisJwt.IdentityServer.Account.SignIn;

/// <summary>One guess's verdict: right, wrong, or not even checked because the account is locked out.</summary>
public enum Verdict { Right, Wrong, LockedOut }

/// <summary>
/// Checks an email and password for every way of signing in (the login page, the password grant behind
/// /auth/login) and the current password of /auth/password. Failures are one answer, whatever the cause, and cost
/// the same work (an UPDATE and a password hash), so neither the answer nor its timing tells an unknown email from a
/// wrong password or a locked account. Each attempt is reserved before the password is checked, so lockout holds
/// against guesses sent in parallel. Sign-ins and lockouts are counted and audited (<see cref="AuthEvents"/>).
/// </summary>
public sealed class CredentialCheck(SignInManager<ApplicationUser> signIns, UserManager<ApplicationUser> users,
    ApplicationDbContext db, IOptions<IdentityOptions> identity, IOptions<AccountSettings> accounts, TimeProvider clock,
    AuthEvents events)
{

    /// <summary>A sign-in's verdict: <see cref="User"/> when it may go ahead.</summary>
    /// <param name="EmailNotConfirmed">The password was right, but Accounts:RequireConfirmedEmail holds it back (for the audit).</param>
    public sealed record SignInCheck(ApplicationUser? User, bool EmailNotConfirmed);

    /// <summary>
    /// For every way of signing in. The unconfirmed email is checked only after the password (Identity's own
    /// RequireConfirmedEmail checks it before), so that it costs what any other failure costs; callers answer it as
    /// any other failure (it is told apart only in the metrics and the audit log).
    /// </summary>
    public async Task<SignInCheck> CheckSignInAsync(string email, string password)
    {
        var user = await users.FindByEmailAsync(email);
        var verdict = Verdict.Wrong;
        if (user is null)
        {
            // What a wrong password costs: the reservation (matching no row here) and a hash.
            await ReserveAttemptAsync(userId: "");
            SpendPasswordCheckTime(password);
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

    /// <summary>
    /// A second factor's code (authenticator app, recovery code) of a user who passed the first: every guess takes an
    /// attempt from the same lockout count as a password guess, reserved before <paramref name="check"/> runs, so that
    /// neither a stolen password nor parallel requests buy more than MaxFailedAccessAttempts guesses at a code.
    /// </summary>
    public async Task<Verdict> VerifyCodeAsync(ApplicationUser user, Func<Task<bool>> check)
    {
        if (!user.LockoutEnabled)
        {
            return await check() ? Verdict.Right : Verdict.Wrong;
        }

        if (await ReserveAttemptAsync(user.Id) is not { } attempt)
        {
            return Verdict.LockedOut;
        }

        if (await check())
        {
            await GiveBackAttemptsAsync(user.Id, attempt);
            return Verdict.Right;
        }

        if (attempt.Number >= identity.Value.Lockout.MaxFailedAccessAttempts)
        {
            events.LockedOut(user.Id);
        }

        return Verdict.Wrong;
    }

    /// <summary>
    /// For a sign-in by something other than a password (a passkey): what the password path refuses besides a wrong
    /// password, in the same order of rules: a locked-out account, an unconfirmed email when Accounts:RequireConfirmedEmail
    /// holds, and Identity's own sign-in rules. Counted and audited like a password sign-in's verdict.
    /// </summary>
    public async Task<bool> MaySignInAsync(ApplicationUser user)
    {
        var outcome = await users.IsLockedOutAsync(user) ? SignInOutcome.LockedOut
            : !user.EmailConfirmed && accounts.Value.RequireConfirmedEmail ? SignInOutcome.EmailNotConfirmed
            : !await signIns.CanSignInAsync(user) ? SignInOutcome.Failure
            : SignInOutcome.Success;
        events.SignIn(outcome, user.Id);
        return outcome == SignInOutcome.Success;
    }

    /// <summary>The password of a known user, e.g. the current one before a change.</summary>
    public async Task<bool> VerifyPasswordAsync(ApplicationUser user, string password) =>
        await VerifyAsync(user, password) == Verdict.Right;

    private async Task<Verdict> VerifyAsync(ApplicationUser user, string password)
    {
        if (!user.LockoutEnabled)
        {
            return await IsAllowedWithPasswordAsync(user, password) ? Verdict.Right : Verdict.Wrong;
        }

        // The attempt is taken before the password is checked, so guesses sent in parallel cannot all be checked while
        // the count still reads zero: of any number at once, at most MaxFailedAccessAttempts get this far.
        if (await ReserveAttemptAsync(user.Id) is not { } attempt)
        {
            SpendPasswordCheckTime(password);
            return Verdict.LockedOut;
        }

        if (await IsAllowedWithPasswordAsync(user, password))
        {
            await GiveBackAttemptsAsync(user.Id, attempt);
            return Verdict.Right;
        }

        // A wrong password keeps its attempt; the last one has locked the account already.
        if (attempt.Number >= identity.Value.Lockout.MaxFailedAccessAttempts)
        {
            events.LockedOut(user.Id);
        }

        return Verdict.Wrong;
    }

    // Identity's rules for signing in, then the password. Not SignInManager.CheckPasswordSignInAsync: on success it
    // resets the failed count through an update guarded by the user's concurrency stamp, so of two right passwords at
    // once the second failed as if wrong (found by bench/run.sh's refresh scenario). The count is this class's own,
    // reserved and given back in single statements.
    private async Task<bool> IsAllowedWithPasswordAsync(ApplicationUser user, string password)
    {
        if (!await signIns.CanSignInAsync(user))
        {
            // Refused before the password is checked (e.g. an unconfirmed email, when that is required): the same work.
            SpendPasswordCheckTime(password);
            return false;
        }

        return await users.CheckPasswordAsync(user, password);
    }

    /// <summary>A reserved attempt: its number, and the lockout it set if it was the last one.</summary>
    private sealed record Attempt(int Number, DateTimeOffset LockedUntil);

    // One UPDATE, evaluated by PostgreSQL against the row as it is under the row lock, so reservations made in parallel
    // each see the others'. Refused while the account is locked. The attempt that takes the last one locks the account
    // at once, before its password is checked: whatever happens to that request (a crash included), the account is
    // locked for the lockout time, never longer, and the count starts again after it, as Identity's AccessFailedAsync
    // does. For an unknown email the same statement runs and matches no row: the same work. (Identity's tables, whose
    // names its EF model fixes.)
    private async Task<Attempt?> ReserveAttemptAsync(string userId)
    {
        var now = clock.GetUtcNow();
        var max = identity.Value.Lockout.MaxFailedAccessAttempts;
        // Whole microseconds, PostgreSQL's precision, so that the success below finds this very lockout to lift.
        var until = now + identity.Value.Lockout.DefaultLockoutTimeSpan;
        until = until.AddTicks(-(until.UtcTicks % 10));
        var numbers = await db.Database.SqlQuery<int>($"""
            UPDATE "AspNetUsers" SET
                "AccessFailedCount" = CASE WHEN "AccessFailedCount" >= {max} THEN 1 ELSE "AccessFailedCount" + 1 END,
                "LockoutEnd" = CASE WHEN (CASE WHEN "AccessFailedCount" >= {max} THEN 1 ELSE "AccessFailedCount" + 1 END) >= {max}
                    THEN {until} ELSE "LockoutEnd" END
            WHERE "Id" = {userId} AND "LockoutEnabled" AND ("LockoutEnd" IS NULL OR "LockoutEnd" <= {now})
            RETURNING "AccessFailedCount" AS "Value"
            """).ToListAsync();
        return numbers is [var number] ? new Attempt(number, until) : null;
    }

    // A right password gives every attempt back (as Identity resets the count on success), and the lockout this attempt
    // set in advance, if it was the last one.
    private async Task GiveBackAttemptsAsync(string userId, Attempt attempt) =>
        await db.Users.Where(user => user.Id == userId)
            .ExecuteUpdateAsync(update => update
                .SetProperty(user => user.AccessFailedCount, 0)
                .SetProperty(user => user.LockoutEnd, user => user.LockoutEnd == attempt.LockedUntil ? null : user.LockoutEnd));

    // Hashing costs what verifying does: the same PBKDF2 with the same iteration count.
    private void SpendPasswordCheckTime(string password) =>
        users.PasswordHasher.HashPassword(new ApplicationUser(), password);
}
