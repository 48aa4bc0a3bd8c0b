using AcmePlanner.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AcmePlanner.Pages;

/// <summary>
/// Signs out here (the cookie) and at the Board (RP-initiated logout with the ID token as hint), which sends the
/// browser back to /signout-callback-oidc and then to the landing page. A POST with an antiforgery token, so no other
/// site can sign the user out.
/// </summary>
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => Redirect("/");

    public IActionResult OnPost() => User.Identity?.IsAuthenticated == true
        ? SignOut(new AuthenticationProperties { RedirectUri = BoardSignIn.SignedOutPath }, BoardSignIn.CookieScheme, BoardSignIn.OidcScheme)
        : Redirect("/");
}
