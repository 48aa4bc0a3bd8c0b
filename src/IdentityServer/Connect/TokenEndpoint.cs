using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.DPoP;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.TokenExchange;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// The token endpoint after OpenIddict has authenticated the client and validated the grant
/// (code + PKCE verifier, refresh token, client credentials, or the first-party app's password grant).
/// </summary>
public static class TokenEndpoint
{
    // Only what every grant uses is a parameter: the sign-in services are resolved in the branches that need them, so
    // client_credentials, the hot path, creates no UserManager (and waits on no lock of its metrics), SignInManager,
    // PasswordGrant or UserPrincipalFactory per request (docs/performance-profile.md).
    public static async Task<IResult> HandleAsync(HttpContext context, IOpenIddictApplicationManager applications,
        IOpenIddictScopeManager scopeManager)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        // The client is authenticated by now: only a real client's own requests use up its allowance.
        if (await TokenRequestLimits.CheckClientAsync(context, request) is { } refused)
        {
            return refused;
        }

        // Every grant: a DPoP proof, if sent (or required), decides what the tokens are bound to (RFC 9449 5).
        if (await context.RequestServices.GetRequiredService<TokenRequestProofs>().CheckAsync(context, request) is { } badProof)
        {
            return badProof;
        }

        if (request.IsClientCredentialsGrantType())
        {
            return await ClientCredentialsAsync(request, applications, scopeManager,
                context.RequestServices.GetRequiredService<ScopeResources>());
        }

        if (request.IsPasswordGrantType())
        {
            return await context.RequestServices.GetRequiredService<PasswordGrant>().HandleAsync(context, request);
        }

        if (request.IsTokenExchangeGrantType())
        {
            return await context.RequestServices.GetRequiredService<TokenExchangeGrant>().HandleAsync(context, request);
        }

        // Authorization code, device code (RFC 8628, approved on DeviceFlow/Verify) or refresh token: the same checks for
        // each. Re-read the user, so a deleted or disallowed user gets nothing new. (A lockout by failed sign-ins does not
        // stop the user's own sessions; an admin's lock has ended them already.)
        var grant = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var granted = grant.Principal!;
        if (DPoPBinding.Refusal(granted, context) is { } unproved)
        {
            return unproved;
        }

        var signIns = context.RequestServices.GetRequiredService<SignInManager<ApplicationUser>>();
        var user = await signIns.UserManager.FindByIdAsync(granted.GetClaim(Claims.Subject)!);
        if (user is null || !await signIns.CanSignInAsync(user))
        {
            return OAuthErrors.Forbid(Errors.InvalidGrant, "The user is no longer allowed to sign in.");
        }

        // Tokens only for a live session: once it is ended (logout, "log out everywhere"), its grants are dead.
        var sid = granted.GetSessionId();
        try
        {
            if (sid is null || !await context.RequestServices.GetRequiredService<SessionStore>()
                .RecordIssuanceAsync(user.Id, sid, request.ClientId!, granted.GetAuthorizationId()))
            {
                return OAuthErrors.Forbid(Errors.InvalidGrant, "The sign-in session has ended; sign in again.");
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return OAuthErrors.Forbid(Errors.TemporarilyUnavailable, "Sessions cannot be checked right now; retry shortly.");
        }

        // The sign-in's facts as the code or refresh token carries them (refreshing is no new authentication), less a
        // second factor removed since; a client or role that requires one then gets nothing more from this sign-in.
        var factors = context.RequestServices.GetRequiredService<SecondFactors>();
        var multiFactor = context.RequestServices.GetRequiredService<MultiFactorRequirement>();
        var signIn = await factors.CurrentAsync(user, SignInFacts.Of(granted));
        if (signIn.Level != SignInMethods.MultiFactor
            && await multiFactor.AppliesAsync(request: null, await applications.FindByClientIdAsync(request.ClientId!)
                ?? throw new InvalidOperationException("The client application cannot be found."), user))
        {
            return OAuthErrors.Forbid(Errors.InvalidGrant, "This sign-in no longer has the second factor the client requires; sign in again.");
        }

        var principal = await context.RequestServices.GetRequiredService<UserPrincipalFactory>()
            .CreateAsync(user, granted.GetScopes(), signIn, granted.GetAuthorizationId());
        return TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> ClientCredentialsAsync(OpenIddictRequest request,
        IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopeManager, ScopeResources scopeResources)
    {
        var application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("The client application cannot be found.");

        // The client acts for itself: its client_id is the subject (RFC 9068 2.2).
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, await applications.GetClientIdAsync(application));
        identity.SetScopes(request.GetScopes());
        identity.SetResources(await scopeResources.OfAsync(scopeManager, identity.GetScopes()));
        identity.SetDestinations(ClaimDestinations.For);

        return TypedResults.SignIn(new ClaimsPrincipal(identity),
            authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }
}
