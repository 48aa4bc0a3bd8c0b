using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.TokenRevocation;
using RedisJwt.IdentityServer.Sessions;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// RP-initiated logout (OIDC RP-Initiated Logout 1.0). OpenIddict has already checked post_logout_redirect_uri
/// against the client's registered URIs (exact match). The user confirms unless the id_token_hint was issued in this
/// browser's own session (its sid): an old ID token of the same user, from another device or an earlier sign-in, can be
/// replayed by anyone who got hold of it to log the user out here (OIDC RP-Initiated Logout 1.0 section 2).
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class LogoutModel(SignInManager<ApplicationUser> signIns, UserManager<ApplicationUser> users,
    IAntiforgery antiforgery, Revoker revoker, ILogger<LogoutModel> logger) : PageModel
{
    public const string ConfirmField = "logout_confirm";

    public IEnumerable<KeyValuePair<string, StringValues>> RequestParameters =>
        FormRepost.RequestParameters(Request, ConfirmField);

    public async Task<IActionResult> OnGetAsync() =>
        await HintIsOfThisSessionAsync() ? await EndSessionAsync() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (Request.Form[ConfirmField].Count == 0)
        {
            return await OnGetAsync();
        }

        if (!await antiforgery.IsRequestValidAsync(HttpContext))
        {
            return BadRequest();
        }

        return await EndSessionAsync();
    }

    private async Task<bool> HintIsOfThisSessionAsync()
    {
        if (users.GetUserId(User) is not { } userId || User.GetSessionId() is not { } sid)
        {
            return false;
        }

        var hint = (await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        return hint?.GetClaim(Claims.Subject) == userId && hint.GetClaim(SessionClaims.SessionId) == sid;
    }

    private async Task<IActionResult> EndSessionAsync()
    {
        // The session's tokens die with it, everywhere; a logout that cannot be recorded is not pretended.
        if (users.GetUserId(User) is { } userId && User.GetSessionId() is { } sid)
        {
            try
            {
                await revoker.EndSessionAsync(userId, sid, RevocationCause.Logout);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                logger.LogError(exception, "Logout refused: the session's revocation could not be recorded.");
                return StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
        }

        await signIns.SignOutAsync();
        // OpenIddict redirects to the validated post_logout_redirect_uri (with state), or to "/" without one.
        return SignOut(new AuthenticationProperties { RedirectUri = "/" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
