using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.TokenRevocation;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// Identity's UserManager, keeping what lives outside PostgreSQL in step with the user, whichever page or API
/// changes them: every session ends when the password changes, an admin locks the user or deletes them; the cached
/// profile (GET /auth/me) ends with any change; a changed or reset password alerts the user by email. (Lockout after failed sign-ins ends no session: otherwise anyone could
/// log a user out by mistyping their password.)
/// </summary>
public sealed class ApplicationUserManager(IUserStore<ApplicationUser> store, IOptions<IdentityOptions> options,
    IPasswordHasher<ApplicationUser> passwordHasher, IEnumerable<IUserValidator<ApplicationUser>> userValidators,
    IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators, ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors, IServiceProvider services, ILogger<UserManager<ApplicationUser>> logger)
    : UserManager<ApplicationUser>(store, options, passwordHasher, userValidators, passwordValidators, keyNormalizer,
        errors, services, logger)
{
    public const string ProfileCacheUnavailableCode = "ProfileCacheUnavailable";

    // Users this manager (one request, or one seeding run) created: nobody can have cached their profile yet, so
    // their first changes (e.g. roles added at creation) need no Redis.
    private readonly HashSet<string> _createdHere = [];

    public override async Task<IdentityResult> CreateAsync(ApplicationUser user)
    {
        var result = await base.CreateAsync(user);
        if (result.Succeeded)
        {
            _createdHere.Add(user.Id);
        }

        return result;
    }

    /// <summary>Changes the password and ends every session of the user, including the caller's.</summary>
    public override Task<IdentityResult> ChangePasswordAsync(ApplicationUser user, string currentPassword, string newPassword) =>
        ChangePasswordEndingSessionsAsync(user, currentPassword, newPassword, keepSessionId: null);

    /// <summary>Changes the password and ends every session of the user except <paramref name="keepSessionId"/>.</summary>
    public Task<IdentityResult> ChangePasswordKeepingSessionAsync(ApplicationUser user, string currentPassword,
        string newPassword, string keepSessionId) =>
        ChangePasswordEndingSessionsAsync(user, currentPassword, newPassword, keepSessionId);

    public override async Task<IdentityResult> ResetPasswordAsync(ApplicationUser user, string token, string newPassword) =>
        // Alerted before the sessions end: if Redis fails that, the password has still changed, and the user hears of it.
        await EndSessionsIfSucceededAsync(user, await AlertIfSucceededAsync(user, await base.ResetPasswordAsync(user, token, newPassword)),
            RevocationCause.PasswordReset);

    public override async Task<IdentityResult> RemovePasswordAsync(ApplicationUser user) =>
        await EndSessionsIfSucceededAsync(user, await base.RemovePasswordAsync(user), RevocationCause.PasswordChanged);

    public override async Task<IdentityResult> SetLockoutEndDateAsync(ApplicationUser user, DateTimeOffset? lockoutEnd)
    {
        // Sessions first: if they cannot be ended (Redis down), the lock does not happen either.
        if (lockoutEnd > DateTimeOffset.UtcNow)
        {
            await Revoker.EndAllSessionsAsync(user.Id, RevocationCause.AccountLocked);
        }

        return await base.SetLockoutEndDateAsync(user, lockoutEnd);
    }

    public override async Task<IdentityResult> DeleteAsync(ApplicationUser user)
    {
        // Before the user is gone: their id is what the revocations are keyed by.
        await Revoker.EndAllSessionsAsync(user.Id, RevocationCause.AccountDeleted);
        return await WithProfileInvalidatedAsync(user, () => base.DeleteAsync(user));
    }

    // A role change rotates the security stamp, so a cookie or principal built with the old roles is refused at its
    // next check; the admin endpoints read the role live anyway (CurrentAdminHandler).
    public override async Task<IdentityResult> AddToRoleAsync(ApplicationUser user, string role) =>
        await RotatedStampIfSucceededAsync(user, await base.AddToRoleAsync(user, role));

    public override async Task<IdentityResult> AddToRolesAsync(ApplicationUser user, IEnumerable<string> roles) =>
        await RotatedStampIfSucceededAsync(user, await base.AddToRolesAsync(user, roles));

    public override async Task<IdentityResult> RemoveFromRoleAsync(ApplicationUser user, string role) =>
        await RotatedStampIfSucceededAsync(user, await base.RemoveFromRoleAsync(user, role));

    public override async Task<IdentityResult> RemoveFromRolesAsync(ApplicationUser user, IEnumerable<string> roles) =>
        await RotatedStampIfSucceededAsync(user, await base.RemoveFromRolesAsync(user, roles));

    // 80 random bits in a form one can read out and type (Identity's own are 50 bits); the store hashes them and
    // normalizes what is typed (case, dashes, spaces) before comparing.
    protected override string CreateTwoFactorRecoveryCode() => RecoveryCodes.Create();

    // Every change to a stored user (profile, roles, email, password, lockout counters) ends here.
    protected override Task<IdentityResult> UpdateUserAsync(ApplicationUser user) =>
        WithProfileInvalidatedAsync(user, () => base.UpdateUserAsync(user));

    // Resolved when needed: their own dependencies are built after Identity's.
    private Revoker Revoker => ServiceProvider.GetRequiredService<Revoker>();

    private ProfileCache Profiles => ServiceProvider.GetRequiredService<ProfileCache>();

    private async Task<IdentityResult> WithProfileInvalidatedAsync(ApplicationUser user, Func<Task<IdentityResult>> change)
    {
        if (_createdHere.Contains(user.Id))
        {
            return await change();
        }

        // Before: if cached copies cannot be made stale, the change does not happen (readers would keep the old
        // profile for an hour). After: a reader that loaded the old row meanwhile cached it under the replaced key.
        if (!await Profiles.InvalidateAsync(user.Id))
        {
            return IdentityResult.Failed(new IdentityError
            {
                Code = ProfileCacheUnavailableCode,
                Description = "The account cannot be changed right now; try again shortly.",
            });
        }

        var result = await change();
        await Profiles.InvalidateAsync(user.Id);
        return result;
    }

    private async Task<IdentityResult> ChangePasswordEndingSessionsAsync(ApplicationUser user, string currentPassword,
        string newPassword, string? keepSessionId)
    {
        // Both checked before any session ends, so a typo logs nobody out.
        if (!await CheckPasswordAsync(user, currentPassword))
        {
            return IdentityResult.Failed(ErrorDescriber.PasswordMismatch());
        }

        if (await ValidatePasswordAsync(user, newPassword) is { Succeeded: false } invalid)
        {
            return invalid;
        }

        // A password changed while a thief's session lives on would be the worst outcome.
        var result = await ChangeEndingSessionsAsync(user.Id, keepSessionId, RevocationCause.PasswordChanged,
            () => base.ChangePasswordAsync(user, currentPassword, newPassword));
        return await AlertIfSucceededAsync(user, result);
    }

    /// <summary>
    /// Confirms the email and ends every session of the user but <paramref name="keepSessionId"/> (the confirmer's own,
    /// if they are signed in), changing the security stamp: whoever else registered the address is out. A verified
    /// address with an intruder's session still alive is the outcome to avoid, so nothing is confirmed if the sessions
    /// cannot be ended.
    /// </summary>
    public async Task<IdentityResult> ConfirmEmailEndingSessionsAsync(ApplicationUser user, string token, string? keepSessionId)
    {
        var result = await ChangeEndingSessionsAsync(user.Id, keepSessionId, RevocationCause.EmailConfirmed,
            () => base.ConfirmEmailAsync(user, token));
        return result.Succeeded ? await UpdateSecurityStampAsync(user) : result;
    }

    // Sessions end before the change: if Redis cannot end them, nothing changes. And after it: a sign-in that
    // completed in between (with the old password, say) ends too.
    private async Task<IdentityResult> ChangeEndingSessionsAsync(string userId, string? keepSessionId, RevocationCause cause,
        Func<Task<IdentityResult>> change)
    {
        await EndSessionsAsync(userId, keepSessionId, cause);
        var result = await change();
        if (result.Succeeded)
        {
            await EndSessionsAsync(userId, keepSessionId, cause);
        }

        return result;
    }

    private async Task<IdentityResult> RotatedStampIfSucceededAsync(ApplicationUser user, IdentityResult result) =>
        result.Succeeded ? await UpdateSecurityStampAsync(user) : result;

    // Never fails the change (AccountAlerts logs and goes on).
    private async Task<IdentityResult> AlertIfSucceededAsync(ApplicationUser user, IdentityResult result)
    {
        if (result.Succeeded)
        {
            await ServiceProvider.GetRequiredService<AccountAlerts>().PasswordChangedAsync(user);
        }

        return result;
    }

    private Task EndSessionsAsync(string userId, string? keepSessionId, RevocationCause cause) =>
        keepSessionId is null
            ? Revoker.EndAllSessionsAsync(userId, cause)
            : Revoker.EndOtherSessionsAsync(userId, keepSessionId, cause);

    private async Task<IdentityResult> EndSessionsIfSucceededAsync(ApplicationUser user, IdentityResult result,
        RevocationCause cause)
    {
        if (result.Succeeded)
        {
            await Revoker.EndAllSessionsAsync(user.Id, cause);
        }

        return result;
    }
}
