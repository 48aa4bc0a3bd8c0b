using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Identity's EF store, keeping the second factors' secrets unreadable to whoever reads the database: the
/// authenticator (TOTP) key encrypted with Data Protection (whose key ring is itself encrypted to the encryption
/// certificate), recovery codes as hashes only. Both live in AspNetUserTokens, under names of their own, so a value
/// written by Identity's own store is never mistaken for one of ours.
/// </summary>
public sealed class ApplicationUserStore(ApplicationDbContext context, IDataProtectionProvider dataProtection,
    ILogger<ApplicationUserStore> logger, IdentityErrorDescriber describer)
    : UserStore<ApplicationUser, IdentityRole, ApplicationDbContext>(context, describer)
{
    public const string AuthenticatorKeyPurpose = "RedisJwt.IdentityServer.AuthenticatorKey.v1";

    internal const string TokenProvider = "[RedisJwt]";
    internal const string ProtectedAuthenticatorKeyName = "AuthenticatorKey.Protected";
    internal const string RecoveryCodeHashesName = "RecoveryCodes.Sha256";

    private const char Separator = ';';

    public override Task SetAuthenticatorKeyAsync(ApplicationUser user, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return SetTokenAsync(user, TokenProvider, ProtectedAuthenticatorKeyName, Protector(user).Protect(key), cancellationToken);
    }

    /// <returns>The key, or null when there is none or it cannot be read (another key ring, a changed row).</returns>
    public override async Task<string?> GetAuthenticatorKeyAsync(ApplicationUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (await GetTokenAsync(user, TokenProvider, ProtectedAuthenticatorKeyName, cancellationToken) is not { } stored)
        {
            return null;
        }

        try
        {
            return Protector(user).Unprotect(stored);
        }
        catch (Exception exception) when (exception is CryptographicException or FormatException)
        {
            // As if no app were set up: the user signs in with another factor and sets the app up again.
            logger.LogWarning(exception, "The authenticator key of user {UserId} cannot be decrypted; treated as none", user.Id);
            return null;
        }
    }

    public override Task ReplaceCodesAsync(ApplicationUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(recoveryCodes);
        var hashes = recoveryCodes.Select(code => RecoveryCodes.Hash(user.Id, code)).Distinct();
        return SetTokenAsync(user, TokenProvider, RecoveryCodeHashesName, string.Join(Separator, hashes), cancellationToken);
    }

    /// <summary>
    /// Spends a code: true (and the code gone) if it was one of the user's. UserManager saves the change with the user's
    /// concurrency stamp, so of two requests racing with one code, one fails.
    /// </summary>
    public override async Task<bool> RedeemCodeAsync(ApplicationUser user, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(code);
        if (RecoveryCodes.Normalize(code).Length != RecoveryCodes.Length)
        {
            return false;
        }

        var hashes = await StoredHashesAsync(user, cancellationToken);
        var presented = Encoding.ASCII.GetBytes(RecoveryCodes.Hash(user.Id, code));
        // Every stored hash compared, each in constant time: the time taken says nothing about which was close.
        var match = -1;
        for (var index = 0; index < hashes.Count; index++)
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hashes[index]), presented))
            {
                match = index;
            }
        }

        if (match < 0)
        {
            return false;
        }

        hashes.RemoveAt(match);
        await SetTokenAsync(user, TokenProvider, RecoveryCodeHashesName, string.Join(Separator, hashes), cancellationToken);
        return true;
    }

    public override async Task<int> CountCodesAsync(ApplicationUser user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        return (await StoredHashesAsync(user, cancellationToken)).Count;
    }

    private async Task<List<string>> StoredHashesAsync(ApplicationUser user, CancellationToken cancellationToken) =>
        [.. (await GetTokenAsync(user, TokenProvider, RecoveryCodeHashesName, cancellationToken) ?? "")
            .Split(Separator, StringSplitOptions.RemoveEmptyEntries)];

    // Bound to the user too: a protected key copied into another user's row does not decrypt there.
    private IDataProtector Protector(ApplicationUser user) => dataProtection.CreateProtector(AuthenticatorKeyPurpose, user.Id);
}
