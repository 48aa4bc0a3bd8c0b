using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Sessions;

namespace RedisJwt.IdentityServer.Account;

public sealed class LoginModel(CredentialCheck credentials, SessionSignIn sessions) : PageModel
{
    // One message for every failure (unknown email, wrong password, locked out), so the form doesn't reveal
    // which accounts exist.
    public const string FailureMessage = "Invalid email or password.";
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
            return Page();
        }

        if (await credentials.VerifyAsync(Input.Email, Input.Password) is not { } user)
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
