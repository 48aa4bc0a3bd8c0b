using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Account.SignIn;

namespace RedisJwt.IdentityServer.Account.Manage;

public static class RecentSignIn
{
    /// <summary>
    /// To the login page and back to this page: the credentials again (and the second factor, for a user with one)
    /// before a factor is added, so that a session alone cannot add one (see MultiFactor/FactorChanges).
    /// </summary>
    public static IActionResult SignInAgain(PageModel page, string returnUrl) =>
        page.RedirectToPage(LoginModel.PageName, new { returnUrl });
}
