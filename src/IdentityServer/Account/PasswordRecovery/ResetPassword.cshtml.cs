using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.RateLimits;

namespace RedisJwt.IdentityServer.Account.PasswordRecovery;

/// <summary>The link in the reset email: a form for the new password (GET shows it, so opening the link spends nothing).</summary>
public sealed class ResetPasswordModel(PasswordReset reset, SignInLimits limits) : LimitedPageModel(limits)
{
    [BindProperty(SupportsGet = true)]
    public string? UserId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Code { get; set; }

    [BindProperty]
    public ResetInput Input { get; set; } = new();

    public bool Done { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!await MayGoAheadAsync())
        {
            return Page();
        }

        var outcome = await reset.ResetAsync(UserId, Code, Input.Password);
        switch (outcome.Status)
        {
            case PasswordReset.Status.Succeeded:
                Done = true;
                break;
            case PasswordReset.Status.InvalidLink:
                Response.StatusCode = StatusCodes.Status400BadRequest;
                Error = PasswordReset.InvalidLinkMessage;
                break;
            case PasswordReset.Status.Unavailable:
                Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                Error = LoginModel.UnavailableMessage;
                break;
            default:
                foreach (var message in outcome.PasswordErrors)
                {
                    ModelState.AddModelError($"{nameof(Input)}.{nameof(Input.Password)}", message);
                }

                break;
        }

        return Page();
    }

    public sealed class ResetInput
    {
        [Required, DataType(DataType.Password), StringLength(256, MinimumLength = 8)]
        [Display(Name = "New password")]
        public string Password { get; set; } = "";

        [Required, DataType(DataType.Password), Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
        [Display(Name = "Confirm new password")]
        public string ConfirmPassword { get; set; } = "";
    }
}
