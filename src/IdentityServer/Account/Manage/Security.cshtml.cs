using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.TokenRevocation;
using RedisJwt.IdentityServer.Sessions;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Account.Manage;

/// <summary>Account security (/Account/Security): the signed-in user's sessions, each of which they can end, or all at once ("log out everywhere").</summary>
[Authorize]
public sealed class SecurityModel(SessionStore sessions, Revoker revoker, UserManager<ApplicationUser> users) : PageModel
{
    public IReadOnlyList<SessionRecord> List { get; private set; } = [];

    public string? CurrentSid => User.GetSessionId();

    public string? Error { get; private set; }

    private string UserId => users.GetUserId(User)!;

    public async Task<IActionResult> OnGetAsync() => await ShowAsync();

    public async Task<IActionResult> OnPostEndAsync(string sid) => await ActAsync(async () =>
    {
        if (await sessions.FindAsync(UserId, sid) is not null)
        {
            await revoker.EndSessionAsync(UserId, sid, RevocationCause.SessionEnded);
        }

        return RedirectToPage();
    });

    // Includes this browser's session: the user lands on the sign-in page.
    public async Task<IActionResult> OnPostEndAllAsync() => await ActAsync(async () =>
    {
        await revoker.EndAllSessionsAsync(UserId, RevocationCause.LogoutEverywhere);
        return Redirect(AccountSetup.LoginPath);
    });

    private async Task<IActionResult> ShowAsync()
    {
        try
        {
            List = await sessions.ListAsync(UserId);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Error = "Your sessions cannot be shown right now. Please try again in a moment.";
        }

        return Page();
    }

    private async Task<IActionResult> ActAsync(Func<Task<IActionResult>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Error = "Nothing was ended: sessions cannot be changed right now. Please try again in a moment.";
            return Page();
        }
    }
}
