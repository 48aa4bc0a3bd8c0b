using System.Security.Claims;
using RedisJwt.IdentityServer.Sessions;
using OpenIddict.Abstractions;
using RedisJwt.Revocation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// Which claim goes into which token. The default is "none": a claim not listed here never leaves the server,
/// so adding a claim to the principal cannot leak personal data into a JWT by accident.
/// </summary>
public static class ClaimDestinations
{
    public static IEnumerable<string> For(Claim claim)
    {
        var principal = claim.Subject!;
        switch (claim.Type)
        {
            case Claims.Subject or SessionClaims.SessionId:
                return [Destinations.AccessToken, Destinations.IdentityToken];

            // When the user authenticated: in access tokens for resource servers that want a recent sign-in (RFC 9068
            // 2.2.1), in ID tokens when the client asked for it (max_age, require_auth_time; OIDC Core 2).
            case Claims.AuthenticationTime when principal.HasClaim(SessionClaims.AuthTimeInIdToken, "true"):
                return [Destinations.AccessToken, Destinations.IdentityToken];

            case Claims.AuthenticationTime:
                return [Destinations.AccessToken];

            // How sure the sign-in is: for resource servers that want more for some actions (RFC 9470) and for clients.
            case Claims.AuthenticationContextReference:
                return [Destinations.AccessToken, Destinations.IdentityToken];

            // Which methods: the client's concern (OIDC Core 2); resource servers decide on acr.
            case Claims.AuthenticationMethodReference:
                return [Destinations.IdentityToken];

            // Resource servers revoke a whole refresh-token family by it (RFC 7009 2.1, reuse detection).
            case TokenFacts.FamilyClaim:
                return [Destinations.AccessToken];

            // The display name is what resource servers show next to a user's content, so it rides in the access
            // token too, but only when the profile scope was granted.
            case Claims.Name when principal.HasScope(Scopes.Profile):
                return [Destinations.AccessToken, Destinations.IdentityToken];

            case Claims.Birthdate when principal.HasScope(Scopes.Profile):
                return [Destinations.IdentityToken];

            case Claims.Email or Claims.EmailVerified when principal.HasScope(Scopes.Email):
                return [Destinations.IdentityToken];

            // Resource servers authorize on roles (e.g. an admin deleting any post).
            case Claims.Role when principal.HasScope(Scopes.Roles):
                return [Destinations.AccessToken, Destinations.IdentityToken];

            default:
                return [];
        }
    }
}
