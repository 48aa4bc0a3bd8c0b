using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Consent;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.TokenRevocation;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Account.Manage;

/// <summary>
/// Connected apps (/Account/Apps): the third-party apps the user has allowed, and what each may do. Removing one
/// withdraws the consent and revokes every token the app holds for the user, at resource servers too.
/// </summary>
[Authorize]
public sealed class AppsModel(ConsentStore consents, ScopeDescriptions scopes, Revoker revoker,
    UserManager<ApplicationUser> users, IOpenIddictApplicationManager applications) : PageModel
{
    public IReadOnlyList<(GrantedApp App, IReadOnlyList<(string Name, string Description)> Scopes)> Apps { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    private string UserId => users.GetUserId(User)!;

    /// <param name="removed">The id of the app just removed; its name is looked up, so a link cannot put words here.</param>
    public async Task OnGetAsync(string? removed)
    {
        if (removed is { Length: > 0 } && await applications.FindByIdAsync(removed) is { } application)
        {
            Message = $"{await applications.GetLocalizedDisplayNameAsync(application) ?? await applications.GetClientIdAsync(application)} "
                + "can no longer access your account.";
        }

        await LoadAsync();
    }

    public async Task<IActionResult> OnPostRemoveAsync(string applicationId)
    {
        var app = (await consents.ListAsync(UserId)).FirstOrDefault(granted => granted.ApplicationId == applicationId);
        if (app is null)
        {
            return RedirectToPage();
        }

        try
        {
            await revoker.RevokeClientAccessAsync(UserId, applicationId);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Error = $"{app.Name} still has access: revocations cannot be recorded right now. Please try again in a moment.";
            await LoadAsync();
            return Page();
        }

        return RedirectToPage(new { removed = app.ApplicationId });
    }

    private async Task LoadAsync()
    {
        var list = new List<(GrantedApp, IReadOnlyList<(string, string)>)>();
        foreach (var app in await consents.ListAsync(UserId))
        {
            list.Add((app, await scopes.DescribeAsync(app.Scopes)));
        }

        Apps = list;
    }
}
