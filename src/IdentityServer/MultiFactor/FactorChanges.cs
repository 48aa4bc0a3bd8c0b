using Microsoft.AspNetCore.Identity;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.Telemetry;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Adding and removing a user's sign-in factors, each change audited and told to the owner. Identity's
/// TwoFactorEnabled flag follows what is enrolled (an authenticator app or a passkey); recovery codes come with the
/// first factor and go with the last. Adding a factor or new recovery codes needs a recent sign-in
/// (<see cref="IsRecent"/>), removing one the current password or an app code (<see cref="ConfirmAsync"/>): a browser
/// left signed in can neither plant a factor of its holder's nor take the owner's away.
/// </summary>
public sealed class FactorChanges(UserManager<ApplicationUser> users, SignInManager<ApplicationUser> signIns,
    SecondFactors factors, CredentialCheck credentials, FactorLedger ledger, AccountAlerts alerts, AuthEvents events,
    TimeProvider clock)
{
    public const int RecoveryCodeCount = 10;

    /// <summary>How recent a sign-in must be to add a factor or replace the recovery codes (GitHub's "sudo mode").</summary>
    public static readonly TimeSpan RecentSignIn = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Whether the signed-in user signed in with their credentials (a password, or a passkey) within
    /// <see cref="RecentSignIn"/>: a step-up with a second factor alone, e.g. a recovery code, does not count.
    /// </summary>
    public bool IsRecent(System.Security.Claims.ClaimsPrincipal principal) =>
        principal.GetSignedInAt() is { } signedInAt && clock.GetUtcNow() - signedInAt <= RecentSignIn;

    /// <summary>
    /// The authenticator key to show for enrolment in the session <paramref name="sessionId"/>: the one it was shown
    /// already, or a new one. A key shown to another session (someone who signed in with the password and left without
    /// confirming) is never the one the owner sets up later.
    /// </summary>
    /// <returns>The key, and whether it is new (the security stamp moved with it: the caller renews its cookie).</returns>
    public async Task<(string Key, bool New)> PendingAuthenticatorKeyAsync(ApplicationUser user, string sessionId)
    {
        if (await users.GetAuthenticatorKeyAsync(user) is { Length: > 0 } key
            && await users.GetAuthenticationTokenAsync(user, PendingKeyProvider, PendingKeySession) == sessionId)
        {
            return (key, false);
        }

        await users.ResetAuthenticatorKeyAsync(user);
        await users.SetAuthenticationTokenAsync(user, PendingKeyProvider, PendingKeySession, sessionId);
        return ((await users.GetAuthenticatorKeyAsync(user))!, true);
    }

    // Which session the unconfirmed key was shown to (a session id: no secret).
    private const string PendingKeyProvider = "[RedisJwt]";
    private const string PendingKeySession = "AuthenticatorKey.PendingSession";

    /// <summary>The first code from the app confirms the enrolment; the codes then, if this is the first factor.</summary>
    /// <returns>The verdict, and new recovery codes to show once (empty when the user had some already).</returns>
    public async Task<(Verdict Verdict, IReadOnlyList<string> RecoveryCodes)> ConfirmAuthenticatorAsync(ApplicationUser user, string? code)
    {
        var verdict = await factors.VerifyAuthenticatorCodeAsync(user, code, enrolling: true);
        if (verdict != Verdict.Right)
        {
            return (verdict, []);
        }

        // Added now, and its first code used now.
        await ledger.RecordCreatedAsync(user.Id, Factors.Authenticator);
        await ledger.RecordUsedAsync(user.Id, Factors.Authenticator);
        return (verdict, await AddedAsync(user, "totp", "An authenticator app"));
    }

    /// <summary>A passkey just created in the browser (WebAuthn 7.1), under the name the user gave it.</summary>
    /// <returns>Null when the attestation failed; else new recovery codes to show once (empty when the user had some).</returns>
    public async Task<IReadOnlyList<string>?> AddPasskeyAsync(ApplicationUser user, string? credentialJson, string name)
    {
        PasskeyAttestationResult result;
        try
        {
            if (string.IsNullOrEmpty(credentialJson) || credentialJson.Length > 64 * 1024)
            {
                return null;
            }

            result = await signIns.PerformPasskeyAttestationAsync(credentialJson);
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        // The ceremony's user entity is the one the options named: this user, or nothing is stored.
        if (!result.Succeeded || result.UserEntity.Id != user.Id)
        {
            return null;
        }

        result.Passkey.Name = name;
        if (!(await users.AddOrUpdatePasskeyAsync(user, result.Passkey)).Succeeded)
        {
            return null;
        }

        await ledger.RecordCreatedAsync(user.Id, Factors.Passkey(result.Passkey.CredentialId));
        return await AddedAsync(user, "passkey", $"The passkey \"{name}\"");
    }

    public async Task RemovePasskeyAsync(ApplicationUser user, byte[] credentialId)
    {
        if (await users.GetPasskeyAsync(user, credentialId) is not { } passkey)
        {
            return;
        }

        await users.RemovePasskeyAsync(user, credentialId);
        await ledger.RemoveAsync(user.Id, Factors.Passkey(credentialId));
        await RemovedAsync(user, "passkey", $"The passkey \"{passkey.Name}\"");
    }

    public async Task RemoveAuthenticatorAsync(ApplicationUser user)
    {
        // A new key nobody has: the old app's codes stop working, and the next enrolment starts afresh.
        await users.ResetAuthenticatorKeyAsync(user);
        await ledger.RemoveAsync(user.Id, Factors.Authenticator);
        await RemovedAsync(user, "totp", "The authenticator app");
    }

    /// <summary>Every factor and recovery code goes: a password alone signs in again.</summary>
    public async Task TurnOffAsync(ApplicationUser user)
    {
        foreach (var passkey in await users.GetPasskeysAsync(user))
        {
            await users.RemovePasskeyAsync(user, passkey.CredentialId);
        }

        await users.ResetAuthenticatorKeyAsync(user);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
        await ledger.RemoveAllAsync(user.Id);
        await users.SetTwoFactorEnabledAsync(user, false);
        events.FactorChanged("all", "removed", user.Id);
        await alerts.MultiFactorTurnedOffAsync(user);
    }

    /// <summary>New recovery codes, the old ones void.</summary>
    public async Task<IReadOnlyList<string>> ReplaceRecoveryCodesAsync(ApplicationUser user)
    {
        var codes = await NewRecoveryCodesAsync(user);
        events.FactorChanged("recovery_codes", "replaced", user.Id);
        await alerts.RecoveryCodesReplacedAsync(user);
        return codes;
    }

    /// <summary>
    /// Before removing a factor: the current password, or a code from the authenticator app (a password is never six
    /// digits: Identity asks for eight characters at least). Guesses count towards the lockout either way.
    /// </summary>
    public async Task<bool> ConfirmAsync(ApplicationUser user, string? passwordOrCode)
    {
        if (string.IsNullOrEmpty(passwordOrCode) || passwordOrCode.Length > 256)
        {
            return false;
        }

        return passwordOrCode.Trim() is { Length: 6 } code && code.All(char.IsAsciiDigit)
            ? await factors.VerifyAuthenticatorCodeAsync(user, code) == Verdict.Right
            : await credentials.VerifyPasswordAsync(user, passwordOrCode);
    }

    /// <summary>Whether removing <paramref name="removing"/> factors (null: all) would leave a user whose role requires one without any.</summary>
    public async Task<bool> WouldLeaveRequiredRoleWithoutAsync(ApplicationUser user, int? removing) =>
        await factors.RoleRequiresAsync(user)
        && (removing is null
            || (await factors.EnrolledAsync(user)) is var enrolled
            && (enrolled.Authenticator ? 1 : 0) + enrolled.Passkeys.Count - removing <= 0);

    private async Task<IReadOnlyList<string>> AddedAsync(ApplicationUser user, string kind, string described)
    {
        var first = !user.TwoFactorEnabled;
        if (first)
        {
            await users.SetTwoFactorEnabledAsync(user, true);
        }

        events.FactorChanged(kind, "added", user.Id);
        await alerts.SecondFactorAddedAsync(user, described);
        return await users.CountRecoveryCodesAsync(user) == 0 ? await NewRecoveryCodesAsync(user) : [];
    }

    private async Task RemovedAsync(ApplicationUser user, string kind, string described)
    {
        events.FactorChanged(kind, "removed", user.Id);
        await alerts.SecondFactorRemovedAsync(user, described);
        if (!(await factors.EnrolledAsync(user)).Any)
        {
            // Nothing left to recover: the codes go, and a password alone signs in again.
            await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
            await ledger.RemoveAsync(user.Id, Factors.RecoveryCodes);
            await users.SetTwoFactorEnabledAsync(user, false);
        }
    }

    private async Task<IReadOnlyList<string>> NewRecoveryCodesAsync(ApplicationUser user)
    {
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
        await ledger.RecordCreatedAsync(user.Id, Factors.RecoveryCodes);
        return codes;
    }
}
