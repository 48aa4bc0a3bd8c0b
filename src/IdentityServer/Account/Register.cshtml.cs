using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Sessions;

namespace RedisJwt.IdentityServer.Account;

public sealed class RegisterModel(SessionSignIn sessions, UserManager<ApplicationUser> users,
    TimeProvider time) : PageModel
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
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (Input.BirthDate is { } birthDate && (birthDate >= today || birthDate < today.AddYears(-130)))
        {
            ModelState.AddModelError("Input.BirthDate", "Enter your real date of birth.");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = new ApplicationUser
        {
            UserName = Input.Email,
            Email = Input.Email,
            DisplayName = Input.DisplayName.Trim(),
            BirthDate = Input.BirthDate,
        };

        var created = await users.CreateAsync(user, Input.Password);
        if (!created.Succeeded)
        {
            foreach (var error in created.Errors)
            {
                var field = error.Code.Contains("Password", StringComparison.Ordinal) ? "Input.Password" : "Input.Email";
                ModelState.AddModelError(field, error.Description);
            }

            return Page();
        }

        // The account exists either way; if the session cannot be recorded, the user signs in later.
        return await sessions.SignInAsync(user, persistent: false, HttpContext)
            ? LocalRedirect(SafeReturnUrl.From(Url, ReturnUrl))
            : LocalRedirect($"{AccountSetup.LoginPath}?returnUrl={Uri.EscapeDataString(SafeReturnUrl.From(Url, ReturnUrl))}");
    }

    public sealed class RegisterInput
    {
        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = "";

        [Required, DataType(DataType.Password), StringLength(256, MinimumLength = 8)]
        public string Password { get; set; } = "";

        [Required, DataType(DataType.Password), Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
        [Display(Name = "Confirm password")]
        public string ConfirmPassword { get; set; } = "";

        [Required, StringLength(ApplicationUser.DisplayNameMaxLength, MinimumLength = 1)]
        [RegularExpression(@"^[^\p{C}]*[^\p{C}\s][^\p{C}]*$", ErrorMessage = "The display name must contain visible characters and no control characters.")]
        [Display(Name = "Display name")]
        public string DisplayName { get; set; } = "";

        [Required, DataType(DataType.Date), Display(Name = "Date of birth")]
        public DateOnly? BirthDate { get; set; }
    }
}
