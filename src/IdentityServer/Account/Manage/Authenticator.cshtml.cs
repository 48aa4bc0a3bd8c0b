using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.Sessions;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Account.Manage;

/// <summary>
/// Enrolling an authenticator app (RFC 6238): a QR code and the key to type, confirmed by a first code. Also where a
/// user whose role (or client) requires a second factor, and who has none, is taken after their password. Confirming
/// is a second factor presented: the session becomes a multi-factor one.
/// </summary>
[Authorize]
[ResponseCache(NoStore = true, Location = ResponseCacheLocation.None)]
public sealed class AuthenticatorModel(UserManager<ApplicationUser> users, FactorChanges changes, SessionSignIn sessions,
    SecondFactors factors) : PageModel
{
    public const string PageName = "/Account/Manage/Authenticator";
    private const string IssuerName = "RedisJwt";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Sent here because a second factor is required before going on.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Required { get; set; }

    /// <summary>The key in groups of four, for typing into the app.</summary>
    public string SharedKey { get; private set; } = "";

    public string QrCodeDataUri { get; private set; } = "";

    /// <summary>Shown once, right after the first factor was added.</summary>
    public IReadOnlyList<string> RecoveryCodes { get; private set; } = [];

    public string? Error { get; private set; }

    public string ContinueUrl => SafeReturnUrl.From(Url, ReturnUrl) is var url && url != "/" ? url : TwoFactorModel.Path;

    public string? DeclineUrl => MultiFactorRequirement.DeclineUrl(Request, SafeReturnUrl.From(Url, ReturnUrl));

    public async Task<IActionResult> OnGetAsync() => await WithUserAsync(ShowAsync);

    public async Task<IActionResult> OnPostAsync([FromForm] string? code) => await WithUserAsync(async user =>
    {
        try
        {
            var (verdict, recoveryCodes) = await changes.ConfirmAuthenticatorAsync(user, code);
            if (verdict != Verdict.Right)
            {
                Error = verdict == Verdict.LockedOut ? SecondFactorModel.LockedOutMessage : SecondFactorModel.WrongCodeMessage;
                return await ShowAsync(user);
            }

            RecoveryCodes = recoveryCodes;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Error = LoginModel.UnavailableMessage;
            return await ShowAsync(user);
        }

        // The stamp moved (Identity does that on every factor change, so other browsers sign in again); this browser
        // keeps its session. A password-only one now has two factors: the password, recent (WithUserAsync), and a code
        // of the app just set up. Trust on first use: whoever has the password of an account without a factor could
        // enrol theirs, which is why enrolment needs a recent password and the owner is emailed.
        user = (await users.FindByIdAsync(user.Id))!;
        var signedIn = await factors.CurrentAsync(user, SignInFacts.Of(User));
        if (signedIn.Level == SignInMethods.MultiFactor)
        {
            await sessions.RenewCookieAsync(user, HttpContext);
        }
        else if (!await sessions.StepUpAsync(user, HttpContext, SignInMethods.Adding(signedIn.Methods, SignInMethods.OneTimeCode),
            await factors.InstanceOfAsync(user, Factors.Authenticator)))
        {
            return RedirectToPage(LoginModel.PageName, new { returnUrl = ContinueUrl });
        }

        return RecoveryCodes.Count > 0 ? Page() : Redirect(ContinueUrl);
    });

    // Signed in recently, and no app set up yet: an enrolled key is never shown again, whatever is posted.
    private async Task<IActionResult> WithUserAsync(Func<ApplicationUser, Task<IActionResult>> action)
    {
        if (await users.GetUserAsync(User) is not { } user)
        {
            return Challenge();
        }

        if ((await factors.EnrolledAsync(user)).Authenticator)
        {
            return Redirect(ContinueUrl);
        }

        return changes.IsRecent(User)
            ? await action(user)
            : RecentSignIn.SignInAgain(this, Request.PathBase + Request.Path + Request.QueryString);
    }

    private async Task<IActionResult> ShowAsync(ApplicationUser user)
    {
        var (key, isNew) = await changes.PendingAuthenticatorKeyAsync(user, User.GetSessionId()!);
        if (isNew)
        {
            await sessions.RenewCookieAsync((await users.FindByIdAsync(user.Id))!, HttpContext);
        }

        SharedKey = string.Join(' ', key.ToLowerInvariant().Chunk(4).Select(chunk => new string(chunk)));
        QrCodeDataUri = AuthenticatorUri.QrCodeDataUri(AuthenticatorUri.For(IssuerName, user.Email!, key));
        return Page();
    }
}
