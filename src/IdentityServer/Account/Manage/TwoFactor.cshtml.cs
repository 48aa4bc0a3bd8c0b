using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.Sessions;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Account.Manage;

/// <summary>
/// Two-factor sign-in (/Account/TwoFactor): the user's passkeys, authenticator app and recovery codes with their dates;
/// add a passkey, set up the app, replace the codes; removing anything asks for the password or a code first.
/// </summary>
[Authorize]
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
public sealed class TwoFactorModel(UserManager<ApplicationUser> users, SignInManager<ApplicationUser> signIns,
    SecondFactors factors, FactorChanges changes, SessionSignIn sessions) : PageModel
{
    public const string Path = "/Account/TwoFactor";
    public const string ConfirmationFailedMessage = "That password or code is not right; nothing was removed.";
    public const string RequiredByRoleMessage = "Your account must keep at least one second factor.";

    public SecondFactors.Enrolled Enrolled { get; private set; } = null!;

    /// <summary>Shown once, right after they were created.</summary>
    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];

    public string? Error { get; private set; }

    public string? Notice { get; private set; }

    public static string IdOf(UserPasskeyInfo passkey) => WebEncoders.Base64UrlEncode(passkey.CredentialId);

    public async Task<IActionResult> OnGetAsync() => await WithUserAsync(ShowAsync);

    /// <summary>Creation options naming this user, excluding the passkeys they have already (WebAuthn 5.4).</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync() => await WithRecentSignInAsync(async user =>
        Content(await signIns.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = user.Id,
            Name = user.Email!,
            DisplayName = string.IsNullOrEmpty(user.DisplayName) ? user.Email! : user.DisplayName,
        }), "application/json"));

    public async Task<IActionResult> OnPostAddPasskeyAsync([FromForm] string? credential, [FromForm] string? name) =>
        await WithRecentSignInAsync(async user =>
        {
            var label = string.IsNullOrWhiteSpace(name) ? "Passkey" : name.Trim()[..Math.Min(name.Trim().Length, 60)];
            if (await changes.AddPasskeyAsync(user, credential, label) is not { } recoveryCodes)
            {
                Error = "The passkey could not be added. Please try again.";
                return await ShowAsync(user);
            }

            await RenewCookieAsync(user);
            RecoveryCodes = recoveryCodes;
            Notice = $"The passkey \"{label}\" was added.";
            return await ShowAsync(user);
        });

    public async Task<IActionResult> OnPostRemovePasskeyAsync([FromForm] string? id, [FromForm] string? confirmation) =>
        await ConfirmedAsync(confirmation, removing: 1, async user =>
        {
            if (DecodeId(id) is { } credentialId)
            {
                await changes.RemovePasskeyAsync(user, credentialId);
            }
        });

    public async Task<IActionResult> OnPostRemoveAuthenticatorAsync([FromForm] string? confirmation) =>
        await ConfirmedAsync(confirmation, removing: 1, changes.RemoveAuthenticatorAsync);

    public async Task<IActionResult> OnPostTurnOffAsync([FromForm] string? confirmation) =>
        await ConfirmedAsync(confirmation, removing: null, changes.TurnOffAsync);

    public async Task<IActionResult> OnPostReplaceRecoveryCodesAsync() => await WithRecentSignInAsync(async user =>
    {
        // Codes recover a factor: none without one.
        if ((await factors.EnrolledAsync(user)).Any)
        {
            var usedCodes = await factors.InstanceOfAsync(user, Factors.RecoveryCodes) == SignInFacts.Of(User).SecondFactor;
            RecoveryCodes = await changes.ReplaceRecoveryCodesAsync(user);
            // Signed in with one of the old codes (the usual path after losing a phone): the session keeps its level,
            // under the new codes' name.
            if (usedCodes)
            {
                await sessions.RenewCookieAsync(user, HttpContext, await factors.InstanceOfAsync(user, Factors.RecoveryCodes));
            }
        }

        return await ShowAsync(user);
    });

    /// <param name="removing">How many factors the change removes; null: all of them.</param>
    private async Task<IActionResult> ConfirmedAsync(string? confirmation, int? removing, Func<ApplicationUser, Task> change) =>
        await WithUserAsync(async user =>
        {
            if (await changes.WouldLeaveRequiredRoleWithoutAsync(user, removing))
            {
                Error = RequiredByRoleMessage;
                return await ShowAsync(user);
            }

            bool confirmed;
            try
            {
                confirmed = await changes.ConfirmAsync(user, confirmation);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // An app code cannot be checked against its replay guard right now; the password still can.
                Error = "Codes cannot be checked right now: confirm with your password, or try again in a moment.";
                return await ShowAsync(user);
            }

            if (!confirmed)
            {
                Error = ConfirmationFailedMessage;
                return await ShowAsync(user);
            }

            await change(user);
            await RenewCookieAsync(user);
            return RedirectToPage();
        });

    // Identity moves the security stamp on a factor change, which signs other browsers out at their next check;
    // this one keeps its session.
    private async Task RenewCookieAsync(ApplicationUser user) =>
        await sessions.RenewCookieAsync((await users.FindByIdAsync(user.Id))!, HttpContext);

    private async Task<IActionResult> ShowAsync(ApplicationUser user)
    {
        Enrolled = await factors.EnrolledAsync(user);
        return Page();
    }

    private async Task<IActionResult> WithUserAsync(Func<ApplicationUser, Task<IActionResult>> action) =>
        await users.GetUserAsync(User) is { } user ? await action(user) : Challenge();

    // Adding a factor or new recovery codes: a session alone is not enough (MultiFactor/FactorChanges).
    private async Task<IActionResult> WithRecentSignInAsync(Func<ApplicationUser, Task<IActionResult>> action) =>
        changes.IsRecent(User) ? await WithUserAsync(action) : RecentSignIn.SignInAgain(this, Request.PathBase + Path);

    private static byte[]? DecodeId(string? id)
    {
        try
        {
            return string.IsNullOrEmpty(id) || id.Length > 1400 ? null : WebEncoders.Base64UrlDecode(id);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
