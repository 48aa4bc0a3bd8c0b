using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.Account.SignIn;

public sealed class LoginModel(CredentialCheck credentials, SessionSignIn sessions, SignInLimits limits) : PageModel
{
    // One message for every failure (unknown email, wrong password, locked out, an address not confirmed yet), so the
    // form doesn't reveal which accounts exist, nor, to whoever just registered an address, whether it was new.
    public const string FailureMessage = "Invalid email or password, or the email address is not confirmed yet.";
    public const string UnavailableMessage = "Sign-in is temporarily unavailable. Please try again in a moment.";

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

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

        if (!await sessions.SignInAsync(user, Input.RememberMe, HttpContext))
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
