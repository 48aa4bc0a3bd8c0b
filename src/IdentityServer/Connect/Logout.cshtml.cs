using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Logout;
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
/// When clients of the ended session registered front-channel logout URIs, the page loads them (OIDC Front-Channel
/// Logout 1.0) and then posts back with <see cref="FrontChannelDoneField"/>, which only redirects.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class LogoutModel(SignInManager<ApplicationUser> signIns, UserManager<ApplicationUser> users,
    IAntiforgery antiforgery, Revoker revoker, FrontChannelLogout frontChannel, IOptions<LogoutSettings> logoutSettings,
    ILogger<LogoutModel> logger) : PageModel
{
    public const string ConfirmField = "logout_confirm";
    public const string FrontChannelDoneField = "logout_frontchannel_done";

    public IEnumerable<KeyValuePair<string, StringValues>> RequestParameters =>
        FormRepost.RequestParameters(Request, ConfirmField, FrontChannelDoneField);

    /// <summary>The front-channel logout URIs to load; empty: the confirmation page.</summary>
    public IReadOnlyList<Uri> Frames { get; private set; } = [];

    public int FrontChannelTimeoutMilliseconds => (int)logoutSettings.Value.FrontChannelTimeout.TotalMilliseconds;

    public async Task<IActionResult> OnGetAsync() =>
        await HintIsOfThisSessionAsync() ? await EndSessionAsync() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        var frontChannelDone = Request.Form[FrontChannelDoneField].Count > 0;
        if (Request.Form[ConfirmField].Count == 0 && !frontChannelDone)
        {
            return await OnGetAsync();
        }

        if (!await antiforgery.IsRequestValidAsync(HttpContext))
        {
            return BadRequest();
        }

        // After the frames, the browser is signed out already: nothing to end, only the redirect. Signed in again
        // meanwhile (another tab), it is an ordinary logout request, which ends nothing unconfirmed.
        if (frontChannelDone)
        {
            return users.GetUserId(User) is null ? Redirected() : await OnGetAsync();
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
        SessionRecord? ended = null;
        if (users.GetUserId(User) is { } userId && User.GetSessionId() is { } sid)
        {
            try
            {
                ended = await revoker.EndSessionAsync(userId, sid, RevocationCause.Logout);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                logger.LogError(exception, "Logout refused: the session's revocation could not be recorded.");
                return StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
        }

        Frames = ended is null ? [] : await FramesOrNoneAsync(ended);
        await signIns.SignOutAsync();
        if (Frames.Count == 0)
        {
            return Redirected();
        }

        // The continue form's antiforgery token is for the signed-out browser, which is what posts it.
        HttpContext.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity());
        Response.Headers.ContentSecurityPolicy = FrontChannelLogout.ContentSecurityPolicy(Frames);
        return Page();
    }

    // The session has ended: a client that cannot be looked up now still gets its back-channel logout, and the user
    // their redirect.
    private async Task<IReadOnlyList<Uri>> FramesOrNoneAsync(SessionRecord ended)
    {
        try
        {
            return await frontChannel.FramesAsync(ended);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Front-channel logout skipped: the session's clients could not be looked up.");
            return [];
        }
    }

    // OpenIddict redirects to the validated post_logout_redirect_uri (with state), or to "/" without one.
    private SignOutResult Redirected() =>
        SignOut(new AuthenticationProperties { RedirectUri = "/" }, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
}
