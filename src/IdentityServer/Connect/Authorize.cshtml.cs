using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Consent;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.DPoP;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.DynamicRegistration;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// The authorization endpoint (OpenIddict validated the request before it gets here): sends the user to sign in,
/// asks for consent where the client requires it, then issues the code.
/// </summary>
// Relying parties may POST authorization requests (OIDC Core 3.1.2.1), which carry no antiforgery token;
// only the consent decision, posted by our own form, is checked (see OnPostAsync).
[IgnoreAntiforgeryToken]
public sealed class AuthorizeModel(
    UserManager<ApplicationUser> users,
    IOpenIddictApplicationManager applications,
    ScopeDescriptions scopeDescriptions,
    ConsentStore consents,
    UserPrincipalFactory principals,
    FreshSignIn freshSignIn,
    SecondFactors factors,
    MultiFactorRequirement multiFactor,
    ResourceIndicators resourceIndicators,
    SelfRegisteredClients selfRegistered,
    IAntiforgery antiforgery) : PageModel
{
    public const string DecisionField = "consent_decision";

    public string ApplicationName { get; private set; } = "";

    /// <summary>The client registered itself (RFC 7591): its name is unverified, and the page says so.</summary>
    public bool SelfRegistered { get; private set; }

    public IReadOnlyList<(string Name, string Description)> RequestedScopes { get; private set; } = [];

    /// <summary>The original request's parameters, posted back with the decision.</summary>
    public IEnumerable<KeyValuePair<string, StringValues>> RequestParameters =>
        FormRepost.RequestParameters(Request, DecisionField);

    public Task<IActionResult> OnGetAsync() => AuthorizeAsync(decision: null);

    public async Task<IActionResult> OnPostAsync()
    {
        string? decision = Request.Form[DecisionField];
        if (decision is not null && !await antiforgery.IsRequestValidAsync(HttpContext))
        {
            return BadRequest();
        }

        return await AuthorizeAsync(decision);
    }

    private async Task<IActionResult> AuthorizeAsync(string? decision)
    {
        var request = HttpContext.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        var login = await HttpContext.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = login.Succeeded ? await users.GetUserAsync(login.Principal) : null;
        var authenticatedAt = login.Principal?.GetAuthenticationTime();
        if (user is null || freshSignIn.IsNeeded(request, authenticatedAt, FormRepost.OwnParameter(Request, FreshSignIn.MarkerParameter)))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, user is null ? "The user is not signed in." : "The user must sign in again.");
            }

            // Come back here after signing in, the same request plus the mark that a sign-in was asked for now.
            var parameters = RequestParameters.Where(p => p.Key != FreshSignIn.MarkerParameter).ToList();
            parameters.Add(new(FreshSignIn.MarkerParameter, freshSignIn.Marker(request)));
            return Challenge(new AuthenticationProperties
            {
                RedirectUri = Request.PathBase + Request.Path + QueryString.Create(parameters),
            }, IdentityConstants.ApplicationScheme);
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("The client application cannot be found.");

        // How the user signed in, as it stands now (a factor removed since no longer counts), against what this
        // request needs: a second factor now (step-up), or an error when it cannot be had.
        var signedIn = await factors.CurrentAsync(user, SignInFacts.Of(login.Principal!));
        if (signedIn.Level != SignInMethods.MultiFactor && await multiFactor.AppliesAsync(request, application, user))
        {
            if (FormRepost.OwnParameter(Request, MultiFactorRequirement.DeclinedParameter) is not null)
            {
                return Forbid(Errors.UnmetAuthenticationRequirements, "The user did not complete the second factor this request requires.");
            }

            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user must sign in with a second factor.");
            }

            return RedirectToPage(SecondFactorModel.PageName, new { returnUrl = Request.PathBase + Request.Path + QueryString.Create(RequestParameters) });
        }

        var applicationId = (await applications.GetIdAsync(application))!;
        var userId = await users.GetUserIdAsync(user);
        // Resources named (RFC 8707 2.1): the grant is for them alone, so consent is asked for the scopes it keeps.
        var scopes = await resourceIndicators.GrantedScopesAsync(request.GetScopes(), request.GetResources());
        var consentType = await applications.GetConsentTypeAsync(application);
        var consented = consentType == ConsentTypes.Explicit && await consents.HasConsentedAsync(userId, applicationId, scopes);

        if (decision == "deny")
        {
            return Forbid(Errors.AccessDenied, "The user denied the request.");
        }

        var mustAsk = consentType == ConsentTypes.Explicit
            && (!consented || request.HasPromptValue(PromptValues.Consent));
        if (mustAsk && decision != "accept")
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.ConsentRequired, "Interactive user consent is required.");
            }

            ApplicationName = await applications.GetLocalizedDisplayNameAsync(application) ?? request.ClientId!;
            SelfRegistered = await selfRegistered.IsSelfRegisteredAsync(request.ClientId!, HttpContext.RequestAborted);
            RequestedScopes = await scopeDescriptions.DescribeAsync(scopes);
            return Page();
        }

        // Tokens get their own (ad-hoc) authorization per sign-in, so each session is a token family that can be
        // revoked on its own; the remembered consent is a separate, permanent authorization.
        // auth_time in the ID token when the client asked how recent the sign-in is (OIDC Core 3.1.2.1, 2), or for a new
        // one (prompt=login), which it can then check was done.
        var signIn = signedIn with
        {
            AuthTimeInIdToken = request.MaxAge is not null || request.HasPromptValue(PromptValues.Login)
                || await ClientProperties.RequiresAuthTimeAsync(applications, application),
        };
        var principal = await principals.CreateAsync(user, scopes, signIn, authorizationId: null);
        // RFC 9449 10: the code is redeemed only with a proof of the key the client named here.
        if (DPoPBinding.BindCode(principal, request) is { } badKey)
        {
            return Forbid(Errors.InvalidRequest, badKey);
        }

        if (mustAsk)
        {
            await consents.RememberAsync(principal, userId, applicationId);
        }

        return SignIn(principal, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private ForbidResult Forbid(string error, string description) =>
        Forbid(OAuthErrors.Properties(error, description), OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
}
