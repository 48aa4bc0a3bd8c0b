using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// The link in the confirmation email (GET: opening it is the confirmation, which grants nothing else and can be
/// repeated). Without a link, after registration: where the link went.
/// </summary>
public sealed class ConfirmEmailModel(EmailConfirmation confirmation) : PageModel
{
    public enum State { Sent, Confirmed, Failed }

    public State Result { get; private set; }

    public async Task OnGetAsync(string? userId, string? code)
    {
        if (userId is null && code is null)
        {
            Result = State.Sent;
            return;
        }

        Result = await confirmation.ConfirmAsync(userId, code) ? State.Confirmed : State.Failed;
        if (Result == State.Failed)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
    }
}
