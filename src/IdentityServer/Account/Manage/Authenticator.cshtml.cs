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

    public string? DeclineUrl => MultiFactorRequirement.DeclineUrl(SafeReturnUrl.From(Url, ReturnUrl));

    public async Task<IActionResult> OnGetAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if ((await factors.EnrolledAsync(user)).Authenticator)
        {
            return Redirect(ContinueUrl);
        }

        return await ShowAsync(user);
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? code)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

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
        // keeps its session, now a password and a code from the app.
        user = (await users.FindByIdAsync(user.Id))!;
        if (SignInFacts.Of(User).Methods is [SignInMethods.Password])
        {
            await sessions.StepUpAsync(user, HttpContext, SignInMethods.PasswordAnd(SignInMethods.OneTimeCode), Factors.Authenticator);
        }
        else
        {
            await sessions.RenewCookieAsync(user, HttpContext);
        }

        return RecoveryCodes.Count > 0 ? Page() : Redirect(ContinueUrl);
    }

    private async Task<PageResult> ShowAsync(ApplicationUser user)
    {
        var key = await changes.PendingAuthenticatorKeyAsync(user);
        SharedKey = string.Join(' ', key.ToLowerInvariant().Chunk(4).Select(chunk => new string(chunk)));
        QrCodeDataUri = AuthenticatorUri.QrCodeDataUri(AuthenticatorUri.For(IssuerName, user.Email!, key));
        return Page();
    }
}
