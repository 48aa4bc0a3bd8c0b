using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Account.Manage;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.Account.SignIn;

/// <summary>
/// The sign-in page: a password (then the second factor, when the account has one or its role requires one), or a
/// passkey alone (a discoverable credential, from the button or the browser's autofill).
/// </summary>
public sealed class LoginModel(CredentialCheck credentials, SessionSignIn sessions, SignInLimits limits,
    SecondFactors factors, PendingSignIn pending, SignInManager<ApplicationUser> signIns) : PageModel
{
    public const string PageName = "/Account/SignIn/Login";
    public const string PasskeyFailureMessage = "That passkey did not sign you in. Try again, or use your password.";

    // One message for every failure (unknown email, wrong password, locked out, an address not confirmed yet), so the
    // form doesn't reveal which accounts exist, nor, to whoever just registered an address, whether it was new.
    public const string FailureMessage = "Invalid email or password, or the email address is not confirmed yet.";
    public const string UnavailableMessage = "Sign-in is temporarily unavailable. Please try again in a moment.";

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    /// <summary>A passkey was just refused: the browser is not offered to autofill one again at once (passkeys.js).</summary>
    public bool PasskeyRefused { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            // The checkbox posts "true" or nothing; anything else is a forged form it cannot render (FormatException,
            // dotnet/aspnetcore#55512).
            return ModelState.GetFieldValidationState($"{nameof(Input)}.{nameof(Input.RememberMe)}") == ModelValidationState.Invalid
                ? BadRequest()
                : Page();
        }

        if (await limits.CheckSignInAsync(HttpContext, Input.Email) is { } refused)
        {
            return TooMany(refused);
        }

        var check = await credentials.CheckSignInAsync(Input.Email, Input.Password);
        if (check.User is not { } user)
        {
            Error = FailureMessage;
            return Page();
        }

        var returnUrl = SafeReturnUrl.From(Url, ReturnUrl);
        var enrolled = await factors.EnrolledAsync(user);
        if (enrolled.Any)
        {
            pending.Start(HttpContext, user, Input.RememberMe);
            return RedirectToPage(SecondFactorModel.PageName, new { returnUrl });
        }

        if (!await sessions.SignInAsync(user, Input.RememberMe, HttpContext, [SignInMethods.Password]))
        {
            Error = UnavailableMessage;
            return Page();
        }

        // A role that must use a second factor, and none yet: enrolment now, before anything else.
        return await factors.RoleRequiresAsync(user)
            ? RedirectToPage(AuthenticatorModel.PageName, new { returnUrl, required = true })
            : LocalRedirect(returnUrl);
    }

    /// <summary>The WebAuthn request options for a discoverable credential (no user named yet), as JSON.</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync() =>
        Content(await signIns.MakePasskeyRequestOptionsAsync(user: null), "application/json");

    /// <summary>A passkey alone signs in: the key and its user verification are two factors.</summary>
    public async Task<IActionResult> OnPostPasskeyAsync([FromForm] string? credential)
    {
        ModelState.Clear();
        if (await limits.CheckPasskeySignInAsync(HttpContext) is { } refused)
        {
            return TooMany(refused);
        }

        if (await factors.VerifyPasskeyAsync(credential, expected: null) is not { } passkey)
        {
            PasskeyRefused = true;
            Error = PasskeyFailureMessage;
            return Page();
        }

        if (!await sessions.SignInAsync(passkey.User, persistent: false, HttpContext, passkey.Methods, passkey.Factor))
        {
            Error = UnavailableMessage;
            return Page();
        }

        return LocalRedirect(SafeReturnUrl.From(Url, ReturnUrl));
    }

    private PageResult TooMany(RateLimitDecision refused)
    {
        Error = PageRefusals.Refuse(Response, refused);
        return Page();
    }

    public static string TooManyMessage(RateLimitDecision refused) =>
        $"Too many attempts. Please try again in {(refused.RetryAfterSeconds < 120 ? $"{refused.RetryAfterSeconds} seconds" : $"{(refused.RetryAfterSeconds + 59) / 60} minutes")}.";

    public sealed class LoginInput
    {
        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = "";

        [Required, DataType(DataType.Password), StringLength(256)]
        public string Password { get; set; } = "";

        [Display(Name = "Keep me signed in")]
        public bool RememberMe { get; set; }
    }
}
