using AcmePlanner.Auth;
using AcmePlanner.Board;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AcmePlanner.Pages;

/// <summary>The signed-in user's planner: the latest Board posts, and a form to post on their behalf.</summary>
[Authorize]
public sealed class BoardModel(UserAccessTokens tokens, BoardClient board) : PageModel
{
    public const int PostsShown = 10;

    public string UserName => User.Identity?.Name ?? User.FindFirst("sub")?.Value ?? "there";

    public IReadOnlyList<BoardPost> Posts { get; private set; } = [];

    /// <summary>Why the Board did not do what was asked, in its own words.</summary>
    public string? Problem { get; private set; }

    public IDictionary<string, string[]> FieldErrors { get; private set; } = new Dictionary<string, string[]>();

    // The names BoardApi uses, so its field errors match the form's fields.
    [BindProperty(Name = "title")]
    public string PostTitle { get; set; } = "";

    [BindProperty(Name = "content")]
    public string PostContent { get; set; } = "";

    public bool Created => Request.Query.ContainsKey("created");

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await tokens.GetAsync(HttpContext) is not { } accessToken)
        {
            return await EndedAsync();
        }

        var created = await board.CreateAsync(accessToken, PostTitle, PostContent, HttpContext.RequestAborted);
        if (created.ConnectionEnded)
        {
            return await EndedAsync();
        }

        if (created.Value is not null)
        {
            // Post/Redirect/Get: a reload does not post twice.
            return Redirect("/board?created=1");
        }

        Problem = created.Problem;
        FieldErrors = created.Errors ?? FieldErrors;
        return await LoadAsync() ?? Page();
    }

    public string? ErrorFor(string field) => FieldErrors.TryGetValue(field, out var errors) ? string.Join(" ", errors) : null;

    /// <summary>Reads the posts; a result when the page cannot be shown (the connection ended).</summary>
    private async Task<IActionResult?> LoadAsync()
    {
        if (await tokens.GetAsync(HttpContext) is not { } accessToken)
        {
            return await EndedAsync();
        }

        var latest = await board.LatestAsync(accessToken, PostsShown, HttpContext.RequestAborted);
        if (latest.ConnectionEnded)
        {
            return await EndedAsync();
        }

        Posts = latest.Value ?? [];
        Problem ??= latest.Problem;
        return null;
    }

    // The Board no longer honours this app's tokens: forget them here and offer to connect again.
    private async Task<IActionResult> EndedAsync()
    {
        await HttpContext.SignOutAsync(BoardSignIn.CookieScheme);
        return Redirect(BoardSignIn.EndedPath);
    }
}
