using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.RateLimits;

namespace RedisJwt.IdentityServer.Account.SignUp;

/// <summary>
/// The registration page. An accepted registration always lands on "check your inbox", whether the address is new or
/// already has an account (the two must not be told apart), so it signs nobody in: the new user confirms the address or,
/// where confirmation is not required, signs in.
/// </summary>
public sealed class RegisterModel(Registration registration, SignInLimits limits) : PageModel
{
    [BindProperty]
    public RegisterInput Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        if (await limits.CheckRegistrationAsync(HttpContext) is { } refused)
        {
            ModelState.AddModelError("", PageRefusals.Refuse(Response, refused));
            return Page();
        }

        var outcome = await registration.RegisterAsync(Input);
        if (!outcome.Accepted)
        {
            foreach (var (field, messages) in outcome.Errors)
            {
                foreach (var message in messages)
                {
                    ModelState.AddModelError($"{nameof(Input)}.{field}", message);
                }
            }

            return Page();
        }

        return RedirectToPage("/Account/EmailVerification/ConfirmEmail", new { returnUrl = SafeReturnUrl.From(Url, ReturnUrl) });
    }

    public sealed class RegisterInput : RegistrationFields
    {
        [Required, DataType(DataType.Password), Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
        [Display(Name = "Confirm password")]
        public string ConfirmPassword { get; set; } = "";
    }
}
