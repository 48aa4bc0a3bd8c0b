using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Account;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Consent;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.ServiceDefaults.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.DeviceFlow;

/// <summary>
/// The end-user verification page (RFC 8628 3.3): the signed-in user types the code their device shows (or arrives
/// with it from verification_uri_complete), sees which app asks for what and approves or denies. Always asked, never
/// remembered, even with the code prefilled: a link with a code in it may come from someone else's device (RFC 8628
/// 5.4). Approved, the device's tokens belong to this browser's session (its sid), so they end with it.
/// </summary>
public sealed class VerifyModel(
    UserManager<ApplicationUser> users,
    IOpenIddictApplicationManager applications,
    DeviceFamilies families,
    ScopeDescriptions scopeDescriptions,
    ConsentStore consents,
    UserPrincipalFactory principals,
    SecondFactors factors,
    MultiFactorRequirement multiFactor) : PageModel
{
    public const string DecisionField = "consent_decision";

    /// <summary>Where the page goes after a decision (OpenIddict redirects there), to say what happened.</summary>
    public const string OutcomeParameter = "outcome";

    public const string WrongCodeMessage = "That code is not valid, was used already or has expired. Check the code on your device.";

    /// <summary>The code as typed or linked, upper-cased, for the form and the comparison with the device.</summary>
    public string? UserCode { get; private set; }

    public string? Error { get; private set; }

    /// <summary>"approved" or "denied" after a decision; null otherwise.</summary>
    public string? Outcome { get; private set; }

    public string ApplicationName { get; private set; } = "";

    public IReadOnlyList<(string Name, string Description)> RequestedScopes { get; private set; } = [];

    /// <summary>Whether the code is known good and the decision is asked for.</summary>
    public bool AskingConsent { get; private set; }

    public Task<IActionResult> OnGetAsync() => VerifyAsync(decision: null);

    public Task<IActionResult> OnPostAsync() => VerifyAsync(Request.Form[DecisionField].ToString() is { Length: > 0 } decision ? decision : null);

    private async Task<IActionResult> VerifyAsync(string? decision)
    {
        var request = HttpContext.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        UserCode = request.UserCode;

        var login = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = login.Succeeded ? await users.GetUserAsync(login.Principal) : null;
        if (user is null)
        {
            // Codes are looked up for signed-in users only (UserCodeAttempts): sign in, then come back with the code.
            return Challenge(new AuthenticationProperties { RedirectUri = VerifyUrl(UserCode) }, IdentityConstants.ApplicationScheme);
        }

        if (HttpContext.Features.Get<IRateLimitRefusalFeature>() is { } refusal)
        {
            Error = PageRefusals.Refuse(Response, refusal.Refusal);
            return Page();
        }

        if (string.IsNullOrEmpty(UserCode))
        {
            var outcome = Request.Query[OutcomeParameter].ToString();
            Outcome = outcome is "approved" or "denied" ? outcome : null;
            return Page();
        }

        var verification = await HttpContext.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        // Without a valid code OpenIddict authenticates an empty principal: no client_id.
        if (verification.Principal is not { } device || device.GetClaim(Claims.ClientId) is not { Length: > 0 } clientId
            || await applications.FindByClientIdAsync(clientId) is not { } application)
        {
            Error = WrongCodeMessage;
            return Page();
        }

        // The client's or the role's second factor, as at the authorization endpoint: asked for now (step-up).
        var signedIn = await factors.CurrentAsync(user, SignInFacts.Of(login.Principal!));
        if (signedIn.Level != SignInMethods.MultiFactor && await multiFactor.AppliesAsync(request: null, application, user))
        {
            return RedirectToPage(SecondFactorModel.PageName, new { returnUrl = VerifyUrl(UserCode) });
        }

        if (decision == "deny")
        {
            // OpenIddict marks the device code rejected: the device's next poll gets access_denied (RFC 8628 3.5).
            var denied = OAuthErrors.Properties(Errors.AccessDenied, "The user denied the request.");
            denied.RedirectUri = VerifyUrl(userCode: null, outcome: "denied");
            return Forbid(denied, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var scopes = device.GetScopes();
        if (decision != "accept")
        {
            ApplicationName = await applications.GetLocalizedDisplayNameAsync(application) ?? clientId;
            RequestedScopes = await scopeDescriptions.DescribeAsync(scopes);
            AskingConsent = true;
            return Page();
        }

        // The token family OpenIddict made for the device's request (its ad-hoc authorization, which the device code's
        // entry names) becomes the user's, as one made at the authorization endpoint is: "log out everywhere" and
        // withdrawing the app's access find it by its subject. Set once: a second approver meets it taken.
        var applicationId = (await applications.GetIdAsync(application))!;
        var userId = await users.GetUserIdAsync(user);
        if (!await families.ClaimAsync(device.GetAuthorizationId(), userId))
        {
            Error = WrongCodeMessage;
            return Page();
        }

        var principal = await principals.CreateAsync(user, scopes, signedIn, device.GetAuthorizationId());
        // Remembered as a consent, though never used to skip the question: the device is then among the user's
        // connected apps (Account/Apps), where removing it revokes its tokens.
        if (!await consents.HasConsentedAsync(userId, applicationId, scopes))
        {
            await consents.RememberAsync(principal, userId, applicationId);
        }

        return SignIn(principal, new AuthenticationProperties { RedirectUri = VerifyUrl(userCode: null, outcome: "approved") },
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private string VerifyUrl(string? userCode, string? outcome = null) =>
        Request.PathBase + "/" + OpenIddictSetup.EndUserVerificationPath + QueryString.Create(
            new Dictionary<string, string?> { [Parameters.UserCode] = userCode, [OutcomeParameter] = outcome }
                .Where(parameter => parameter.Value is not null));
}
