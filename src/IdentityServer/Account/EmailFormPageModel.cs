using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using RedisJwt.IdentityServer.RateLimits;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// A page with the email form (<c>_EmailForm</c>) that may send an email: resend confirmation, forgot password. Its
/// answer is the same whether or not the account exists.
/// </summary>
public abstract class EmailFormPageModel(SignInLimits limits) : LimitedPageModel(limits)
{
    [BindProperty]
    public EmailInput Input { get; set; } = new();

    public string? Notice { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (await MayGoAheadAsync())
        {
            Notice = await RequestAsync(Input.Email);
        }

        return Page();
    }

    /// <returns>The answer, the same for any address.</returns>
    protected abstract Task<string> RequestAsync(string email);

    public sealed class EmailInput
    {
        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = "";
    }
}
