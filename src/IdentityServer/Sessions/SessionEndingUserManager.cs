using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Revocation;

namespace RedisJwt.IdentityServer.Sessions;

/// <summary>
/// Identity's UserManager, ending every session of a user whose password changes, who is locked out by an admin, or
/// who is deleted, whichever page or API does it. (Lockout after failed sign-ins goes through the store directly and
/// ends nothing: otherwise anyone could log a user out by mistyping their password.)
/// </summary>
public sealed class SessionEndingUserManager(IUserStore<ApplicationUser> store, IOptions<IdentityOptions> options,
    IPasswordHasher<ApplicationUser> passwordHasher, IEnumerable<IUserValidator<ApplicationUser>> userValidators,
    IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators, ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors, IServiceProvider services, ILogger<UserManager<ApplicationUser>> logger)
    : UserManager<ApplicationUser>(store, options, passwordHasher, userValidators, passwordValidators, keyNormalizer,
        errors, services, logger)
{
    public override async Task<IdentityResult> ChangePasswordAsync(ApplicationUser user, string currentPassword, string newPassword) =>
        await EndSessionsIfSucceededAsync(user, await base.ChangePasswordAsync(user, currentPassword, newPassword));

    public override async Task<IdentityResult> ResetPasswordAsync(ApplicationUser user, string token, string newPassword) =>
        await EndSessionsIfSucceededAsync(user, await base.ResetPasswordAsync(user, token, newPassword));

    public override async Task<IdentityResult> RemovePasswordAsync(ApplicationUser user) =>
        await EndSessionsIfSucceededAsync(user, await base.RemovePasswordAsync(user));

    public override async Task<IdentityResult> SetLockoutEndDateAsync(ApplicationUser user, DateTimeOffset? lockoutEnd)
    {
        // Sessions first: if they cannot be ended (Redis down), the lock does not happen either.
        if (lockoutEnd > DateTimeOffset.UtcNow)
        {
            await Revoker.EndAllSessionsAsync(user.Id);
        }

        return await base.SetLockoutEndDateAsync(user, lockoutEnd);
    }

    public override async Task<IdentityResult> DeleteAsync(ApplicationUser user)
    {
        // Before the user is gone: their id is what the revocations are keyed by.
        await Revoker.EndAllSessionsAsync(user.Id);
        return await base.DeleteAsync(user);
    }

    // Resolved when needed: the Revoker's own dependencies are built after Identity's.
    private Revoker Revoker => ServiceProvider.GetRequiredService<Revoker>();

    private async Task<IdentityResult> EndSessionsIfSucceededAsync(ApplicationUser user, IdentityResult result)
    {
        if (result.Succeeded)
        {
            await Revoker.EndAllSessionsAsync(user.Id);
        }

        return result;
    }
}
