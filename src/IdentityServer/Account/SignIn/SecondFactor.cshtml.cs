using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Account.Manage;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Account.SignIn;

/// <summary>
/// The second factor: after a right password (the pending sign-in), or for a signed-in user whose client asks for
/// more (step-up: <c>acr_values=mfa</c>, a client or role that requires it). An authenticator code, a passkey of this
/// user's, or a recovery code; code guesses count towards the lockout and the sign-in rate limits.
/// </summary>
public sealed class SecondFactorModel(PendingSignIn pending, UserManager<ApplicationUser> users, SecondFactors factors,
    SessionSignIn sessions, SignInLimits limits, SignInManager<ApplicationUser> signIns) : PageModel
{
    public const string PageName = "/Account/SignIn/SecondFactor";
    public const string WrongCodeMessage = "That code is not right, or it was used already. Try the next one.";
    public const string LockedOutMessage = "Too many wrong codes: sign-in is locked for a while. Try again later.";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public SecondFactors.Enrolled? Enrolled { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Where "cancel" goes: back to the request, marked as declined (the client gets an error).</summary>
    public string? DeclineUrl => MultiFactorRequirement.DeclineUrl(Request, SafeReturnUrl.From(Url, ReturnUrl));

    public async Task<IActionResult> OnGetAsync() => await WithUserAsync(_ => Task.FromResult<IActionResult>(Page()));

    public async Task<IActionResult> OnPostCodeAsync([FromForm] string? code) =>
        await WithUserAsync(async user => await CheckCodeAsync(user, () => factors.VerifyAuthenticatorCodeAsync(user, code),
            SignInMethods.OneTimeCode, Factors.Authenticator));

    public async Task<IActionResult> OnPostRecoveryAsync([FromForm] string? recoveryCode) =>
        await WithUserAsync(async user => await CheckCodeAsync(user, () => factors.VerifyRecoveryCodeAsync(user, recoveryCode),
            SignInMethods.OneTimeCode, Factors.RecoveryCodes));

    /// <summary>Request options listing this user's passkeys only.</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync() =>
        await WithUserAsync(async user => Content(await signIns.MakePasskeyRequestOptionsAsync(user), "application/json"));

    public async Task<IActionResult> OnPostPasskeyAsync([FromForm] string? credential) => await WithUserAsync(async user =>
    {
        if (await limits.CheckSignInAsync(HttpContext, user.Email ?? user.Id) is { } refused)
        {
            Error = PageRefusals.Refuse(Response, refused);
            return Page();
        }

        if (await factors.VerifyPasskeyAsync(credential, expected: user) is not { } passkey)
        {
            Error = LoginModel.PasskeyFailureMessage;
            return Page();
        }

        return await CompleteAsync(user, passkey.Methods[0], passkey.Factor);
    });

    private async Task<IActionResult> CheckCodeAsync(ApplicationUser user, Func<Task<Verdict>> verify, string method, string factor)
    {
        if (await limits.CheckSignInAsync(HttpContext, user.Email ?? user.Id) is { } refused)
        {
            Error = PageRefusals.Refuse(Response, refused);
            return Page();
        }

        Verdict verdict;
        try
        {
            verdict = await verify();
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            Error = LoginModel.UnavailableMessage;
            return Page();
        }

        if (verdict != Verdict.Right)
        {
            Error = verdict == Verdict.LockedOut ? LockedOutMessage : WrongCodeMessage;
            return Page();
        }

        return await CompleteAsync(user, method, await factors.InstanceOfAsync(user, factor));
    }

    /// <param name="method">The second factor's amr value.</param>
    /// <param name="factor">Which factor it was (SecondFactors.InstanceOfAsync), recorded with the sign-in.</param>
    private async Task<IActionResult> CompleteAsync(ApplicationUser user, string method, string factor)
    {
        var returnUrl = SafeReturnUrl.From(Url, ReturnUrl);
        if (await pending.ReadAsync(HttpContext) is { } signIn)
        {
            pending.End(HttpContext);
            if (!await sessions.SignInAsync(user, signIn.Persistent, HttpContext, SignInMethods.PasswordAnd(method), factor))
            {
                Error = LoginModel.UnavailableMessage;
                return Page();
            }
        }
        else if (!await sessions.StepUpAsync(user, HttpContext, SignInMethods.Adding(SignInFacts.Of(User).Methods, method), factor))
        {
            return RedirectToPage(LoginModel.PageName, new { returnUrl });
        }

        return LocalRedirect(returnUrl);
    }

    // The user of the pending sign-in, else the signed-in one (step-up); with no factor yet, enrolment instead.
    private async Task<IActionResult> WithUserAsync(Func<ApplicationUser, Task<IActionResult>> action)
    {
        var user = await pending.ReadAsync(HttpContext) is { } signIn ? signIn.User
            : User.Identity?.IsAuthenticated == true ? await users.GetUserAsync(User)
            : null;
        if (user is null)
        {
            return RedirectToPage(LoginModel.PageName, new { returnUrl = SafeReturnUrl.From(Url, ReturnUrl) });
        }

        Enrolled = await factors.EnrolledAsync(user);
        if (!Enrolled.Any)
        {
            return RedirectToPage(AuthenticatorModel.PageName, new { returnUrl = SafeReturnUrl.From(Url, ReturnUrl), required = true });
        }

        return await action(user);
    }
}
