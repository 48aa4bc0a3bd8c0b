using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.Revocation.RateLimiting;

namespace RedisJwt.IdentityServer.Account;

public sealed class RegisterModel(SessionSignIn sessions, Registration registration, SignInLimits limits,
    IOptions<AccountSettings> accounts) : PageModel
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
            RateLimitResults.SetRetryAfter(Response, refused);
            Response.StatusCode = refused.RedisUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
            ModelState.AddModelError("", refused.RedisUnavailable ? LoginModel.UnavailableMessage : LoginModel.TooManyMessage(refused));
            return Page();
        }

        var outcome = await registration.RegisterAsync(Input);
        if (outcome.User is not { } user)
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

        if (accounts.Value.RequireConfirmedEmail && !user.EmailConfirmed)
        {
            // No sign-in before the email is confirmed: the page says where the link went.
            return RedirectToPage("/Account/ConfirmEmail", new { sent = true });
        }

        // The account exists either way; if the session cannot be recorded, the user signs in later.
        return await sessions.SignInAsync(user, persistent: false, HttpContext)
            ? LocalRedirect(SafeReturnUrl.From(Url, ReturnUrl))
            : LocalRedirect($"{AccountSetup.LoginPath}?returnUrl={Uri.EscapeDataString(SafeReturnUrl.From(Url, ReturnUrl))}");
    }

    public sealed class RegisterInput : RegistrationFields
    {
        [Required, DataType(DataType.Password), Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
        [Display(Name = "Confirm password")]
        public string ConfirmPassword { get; set; } = "";
    }
}
