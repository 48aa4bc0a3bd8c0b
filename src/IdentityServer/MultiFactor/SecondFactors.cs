using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.Telemetry;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Every decision about second factors, for every entry point (the login page's second step and step-up, passkey
/// sign-in, enrolment, the account pages, the authorization and token endpoints, the password grant): which factors a
/// user has, whether they must use one, whether a presented one is right, and whether the factor a session was
/// signed in with still exists.
/// </summary>
public sealed class SecondFactors(UserManager<ApplicationUser> users, SignInManager<ApplicationUser> signIns,
    CredentialCheck credentials, AuthenticatorCodeGuard codeGuard, FactorLedger ledger, AccountAlerts alerts,
    AuthEvents events, IOptions<MultiFactorSettings> settings)
{
    /// <summary>What a user has enrolled.</summary>
    public sealed record Enrolled(bool Authenticator, IReadOnlyList<UserPasskeyInfo> Passkeys, int RecoveryCodesLeft,
        IReadOnlyDictionary<string, FactorDates> Dates)
    {
        /// <summary>A factor that can follow the password: the user signs in with two.</summary>
        public bool Any => Authenticator || Passkeys.Count > 0;
    }

    public async Task<Enrolled> EnrolledAsync(ApplicationUser user)
    {
        var dates = await ledger.ListAsync(user.Id);
        return new(HasAuthenticator(user, dates), [.. await users.GetPasskeysAsync(user)], await users.CountRecoveryCodesAsync(user), dates);
    }

    // Set up, not just shown: Identity keeps a key before its first code confirms it; the ledger records the confirmation.
    private static bool HasAuthenticator(ApplicationUser user, IReadOnlyDictionary<string, FactorDates> dates) =>
        user.TwoFactorEnabled && dates.ContainsKey(Factors.Authenticator);

    private async Task<bool> HasAuthenticatorAsync(ApplicationUser user) =>
        user.TwoFactorEnabled && HasAuthenticator(user, await ledger.ListAsync(user.Id));

    /// <summary>
    /// A user in one of MultiFactor:RequiredRoles, who may not sign in with a password alone. Compared as Identity
    /// finds roles (case-insensitively), so "Admin" in the settings cannot silently miss the "admin" role.
    /// </summary>
    public async Task<bool> RoleRequiresAsync(ApplicationUser user) =>
        settings.Value.RequiredRoles.Length > 0
        && (await users.GetRolesAsync(user)).Intersect(settings.Value.RequiredRoles, StringComparer.OrdinalIgnoreCase).Any();

    /// <summary>Whether a password alone may sign this user in: not when they have a factor, or their role requires one.</summary>
    public async Task<bool> MustUseAsync(ApplicationUser user) =>
        (await EnrolledAsync(user)).Any || await RoleRequiresAsync(user);

    /// <summary>
    /// A six-digit code from the user's authenticator app (RFC 6238): right once only (section 5.2), and each guess
    /// counts towards the lockout like a password guess.
    /// </summary>
    /// <exception cref="StackExchange.Redis.RedisException">The replay guard cannot be checked: the caller refuses.</exception>
    /// <param name="enrolling">The first code, confirming an app not enrolled yet.</param>
    public async Task<Verdict> VerifyAuthenticatorCodeAsync(ApplicationUser user, string? code, bool enrolling = false)
    {
        var digits = new string((code ?? "").Where(char.IsAsciiDigit).ToArray());
        var verdict = await credentials.VerifyCodeAsync(user, async () =>
            digits.Length == 6
            && (enrolling || await HasAuthenticatorAsync(user))
            && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, digits)
            && await codeGuard.TryUseOnceAsync(user.Id, digits));
        events.SecondFactor("totp", verdict == Verdict.Right, user.Id);
        if (verdict == Verdict.Right)
        {
            await ledger.RecordUsedAsync(user.Id, Factors.Authenticator);
        }

        return verdict;
    }

    /// <summary>One of the user's recovery codes: used up by this, and the owner is told.</summary>
    public async Task<Verdict> VerifyRecoveryCodeAsync(ApplicationUser user, string? code)
    {
        var verdict = await credentials.VerifyCodeAsync(user, async () =>
            !string.IsNullOrWhiteSpace(code) && code.Length <= 64
            && (await users.RedeemTwoFactorRecoveryCodeAsync(user, code)).Succeeded);
        events.SecondFactor("recovery_code", verdict == Verdict.Right, user.Id);
        if (verdict == Verdict.Right)
        {
            await ledger.RecordUsedAsync(user.Id, Factors.RecoveryCodes);
            await alerts.RecoveryCodeUsedAsync(user, await users.CountRecoveryCodesAsync(user));
        }

        return verdict;
    }

    /// <summary>
    /// A passkey assertion (WebAuthn 7.2) for the challenge this browser was given: the user it names, and the
    /// methods it proves, or null. With <paramref name="expected"/>, only that user's passkey counts (the second step
    /// after their password). An account the password path would refuse (locked, unconfirmed) is refused here too.
    /// </summary>
    public async Task<(ApplicationUser User, IReadOnlyList<string> Methods, string Factor)?> VerifyPasskeyAsync(
        string? credentialJson, ApplicationUser? expected)
    {
        PasskeyAssertionResult<ApplicationUser> result;
        try
        {
            if (string.IsNullOrEmpty(credentialJson) || credentialJson.Length > 16 * 1024)
            {
                return null;
            }

            result = await signIns.PerformPasskeyAssertionAsync(credentialJson);
        }
        catch (InvalidOperationException)
        {
            // No ceremony under way in this browser (its state cookie expired or was never set).
            return null;
        }

        var user = result.Succeeded ? result.User : null;
        // Alone, the rules a password sign-in obeys; as the second step, whose user passed them with the password, a
        // lock since (an admin's, or guesses at their codes) still holds.
        var accepted = user is not null && (expected is null || user.Id == expected.Id)
            && (expected is null ? await credentials.MaySignInAsync(user) : !await users.IsLockedOutAsync(user));
        if (user is not null)
        {
            events.SecondFactor("passkey", accepted, user.Id);
        }

        if (!accepted)
        {
            return null;
        }

        // The new signature counter and flags (WebAuthn 7.2 steps 21-22), and the last-use date.
        var passkey = result.Passkey!;
        await users.AddOrUpdatePasskeyAsync(user!, passkey);
        var factor = Factors.Passkey(passkey.CredentialId);
        await ledger.RecordUsedAsync(user!.Id, factor);
        return (user, SignInMethods.Passkey(passkey.IsBackupEligible), factor);
    }

    /// <summary>
    /// The sign-in as it stands now: a multi-factor one whose factor has since been removed (a passkey deleted,
    /// two-factor sign-in turned off) is a single-factor one from now on, so it cannot keep minting <c>acr=mfa</c>.
    /// </summary>
    public async Task<SignInFacts> CurrentAsync(ApplicationUser user, SignInFacts facts) =>
        facts.Level != SignInMethods.MultiFactor || (facts.SecondFactor is { } factor && await StillHoldsAsync(user, factor))
            ? facts
            : facts.WithoutSecondFactor();

    /// <summary>
    /// The name a sign-in records for the factor it used: a passkey by its credential id; the authenticator app and
    /// the recovery codes by when they were set up, so that setting up a new app (or new codes) after removing the old
    /// one does not bring the old sign-ins back to mfa.
    /// </summary>
    public async Task<string> InstanceOfAsync(ApplicationUser user, string factor) =>
        InstanceOf(factor, await ledger.ListAsync(user.Id));

    private static string InstanceOf(string factor, IReadOnlyDictionary<string, FactorDates> ledgerDates) =>
        ledgerDates.TryGetValue(factor, out var dates)
            ? $"{factor}@{dates.CreatedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : factor;

    private async Task<bool> StillHoldsAsync(ApplicationUser user, string instance)
    {
        var enrolled = await EnrolledAsync(user);
        if (enrolled.Passkeys.Any(passkey => Factors.Passkey(passkey.CredentialId) == instance))
        {
            return true;
        }

        // A recovery code stands in for the factors it backs up: as long as any of them is still there.
        return instance.Split('@') is [var factor, _]
            && (factor == Factors.Authenticator ? enrolled.Authenticator : factor == Factors.RecoveryCodes && enrolled.Any)
            && InstanceOf(factor, enrolled.Dates) == instance;
    }
}
