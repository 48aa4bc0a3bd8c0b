using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;

namespace RedisJwt.IdentityServer.Account.EmailVerification;

/// <summary>
/// The link in the confirmation email. Opening it (GET) only shows what it would confirm; confirming is a POST that
/// proves control of the account too: signed in as it, or its password (see <see cref="EmailConfirmation"/>). Without a
/// link, after registration: where the message went.
/// </summary>
public sealed class ConfirmEmailModel(EmailConfirmation confirmation, SignInLimits limits, SessionSignIn sessions,
    UserManager<ApplicationUser> users) : PageModel
{
    public const string WrongPasswordMessage = "That is not this account's password.";

    public enum State { Sent, Confirm, Confirmed, AlreadyConfirmed, Failed }

    public State Result { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? UserId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Code { get; set; }

    /// <summary>Where to go on after registering (kept for the sign-in link).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty, DataType(DataType.Password), StringLength(256)]
    public string? Password { get; set; }

    /// <summary>The address the link confirms, shown so its reader sees which account it is for.</summary>
    public string? Email { get; private set; }

    /// <summary>Signed in as the link's account: no password needed.</summary>
    public bool SignedInAsAccount { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync()
    {
        if (UserId is null && Code is null)
        {
            Result = State.Sent;
            return;
        }

        Show(await confirmation.CheckAsync(UserId, Code));
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return BadRequest();
        }

        var link = await confirmation.CheckAsync(UserId, Code);
        Show(link);
        if (link is null || Result != State.Confirm)
        {
            return Page();
        }

        // A password typed here is a sign-in attempt: the same limits, before any hash.
        if (await limits.CheckSignInAsync(HttpContext, link.User.Email!) is { } refused)
        {
            Error = PageRefusals.Refuse(Response, refused);
            return Page();
        }

        switch (await confirmation.ConfirmAsync(UserId, Code, User, Password))
        {
            case EmailConfirmation.Status.Confirmed:
                Result = State.Confirmed;
                if (SignedInAsAccount)
                {
                    // The security stamp changed: this browser's cookie is issued again, for the same session.
                    await sessions.RenewCookieAsync(link.User, HttpContext);
                }

                break;
            case EmailConfirmation.Status.AlreadyConfirmed:
                Result = State.AlreadyConfirmed;
                break;
            case EmailConfirmation.Status.WrongPassword:
                Response.StatusCode = StatusCodes.Status400BadRequest;
                Error = WrongPasswordMessage;
                break;
            case EmailConfirmation.Status.Unavailable:
                Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                Error = LoginModel.UnavailableMessage;
                break;
            default:
                Fail();
                break;
        }

        return Page();
    }

    private void Show(EmailConfirmation.Link? link)
    {
        if (link is null)
        {
            Fail();
            return;
        }

        Email = link.User.Email;
        SignedInAsAccount = users.GetUserId(User) == link.User.Id;
        Result = link.User.EmailConfirmed ? State.AlreadyConfirmed : State.Confirm;
    }

    private void Fail()
    {
        Result = State.Failed;
        Response.StatusCode = StatusCodes.Status400BadRequest;
    }
}
