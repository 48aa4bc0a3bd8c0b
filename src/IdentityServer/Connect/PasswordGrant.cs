using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// The resource owner password grant (RFC 6749 4.3), behind /auth/login. RFC 9700 2.4 says it MUST NOT be used:
/// it trains users to type their password into apps. It stays for the one case the BCP's concern does not reach, a
/// first-party app of the same operator (the app the server itself ships), so only <c>AuthApi:ClientId</c> may use it;
/// third parties use the authorization code flow, where the password is typed into this server's own page only.
/// </summary>
public sealed class PasswordGrant(IOptions<AuthApiSettings> settings, CredentialCheck credentials,
    SessionSignIn sessionSignIn, SessionStore sessions, IOpenIddictApplicationManager applications,
    IOpenIddictAuthorizationManager authorizations, UserPrincipalFactory principals, SecondFactors factors,
    MultiFactorRequirement multiFactor)
{
    /// <summary>Told only after the right password, so it reveals nothing to whoever does not know it.</summary>
    public const string SecondFactorNeededDescription =
        "This account signs in with a second factor, which the password grant cannot ask for: sign in through the browser (the authorization code flow).";

    // One answer for every failure (unknown email, wrong password, locked or disallowed account, an address not
    // confirmed yet): a different one for the last would tell whoever registers an address whether it was new.
    public const string FailureDescription =
        "The email or password is incorrect, or the email address is not confirmed yet (follow the link in the confirmation email, or ask for a new one: POST /auth/email/resend).";

    public async Task<IResult> HandleAsync(HttpContext context, OpenIddictRequest request)
    {
        if (string.IsNullOrEmpty(settings.Value.ClientId) || request.ClientId != settings.Value.ClientId)
        {
            return OAuthErrors.Forbid(Errors.UnauthorizedClient, "The password grant is for the first-party app only; use the authorization code flow.");
        }

        if (await TokenRequestLimits.CheckSignInAsync(context, request.Username ?? "") is { } refused)
        {
            return refused;
        }

        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
        {
            return OAuthErrors.Forbid(Errors.InvalidGrant, FailureDescription);
        }

        var check = await credentials.CheckSignInAsync(request.Username, request.Password);
        if (check.User is not { } user)
        {
            return OAuthErrors.Forbid(Errors.InvalidGrant, FailureDescription);
        }

        // A password alone is one factor: never enough for an account with a second one, or that must have one.
        var application = await applications.FindByClientIdAsync(request.ClientId)
            ?? throw new InvalidOperationException("The client application cannot be found.");
        if (await factors.MustUseAsync(user) || await multiFactor.AppliesAsync(request, application, user))
        {
            return OAuthErrors.Forbid(Errors.InvalidGrant, SecondFactorNeededDescription);
        }

        if (await sessionSignIn.StartSessionAsync(user, context, [SignInMethods.Password]) is not { } signIn)
        {
            return OAuthErrors.Forbid(Errors.TemporarilyUnavailable, "Sign-in is temporarily unavailable; retry shortly.");
        }

        // Its own token family, created before the tokens, so the access token carries its id (aid) and the whole
        // family is revocable at resource servers, as after a code flow sign-in.
        var scopes = request.GetScopes();
        signIn = signIn with { AuthTimeInIdToken = await ClientProperties.RequiresAuthTimeAsync(applications, application) };
        var principal = await principals.CreateAsync(user, scopes, signIn, authorizationId: null);
        var authorization = await authorizations.CreateAsync(principal, user.Id, (await applications.GetIdAsync(application))!,
            AuthorizationTypes.AdHoc, scopes);
        var authorizationId = await authorizations.GetIdAsync(authorization);

        try
        {
            if (!await sessions.RecordIssuanceAsync(user.Id, signIn.SessionId!, request.ClientId, authorizationId))
            {
                return OAuthErrors.Forbid(Errors.InvalidGrant, "The sign-in session has ended; sign in again.");
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return OAuthErrors.Forbid(Errors.TemporarilyUnavailable, "Sign-in is temporarily unavailable; retry shortly.");
        }

        principal = await principals.CreateAsync(user, scopes, signIn, authorizationId);
        return TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
