using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.Revocation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>Builds the principal OpenIddict turns into tokens, from the user's current data and the granted scopes.</summary>
public sealed class UserPrincipalFactory(UserManager<ApplicationUser> users, IOpenIddictScopeManager scopeManager,
    ScopeResources scopeResources)
{
    public async Task<ClaimsPrincipal> CreateAsync(ApplicationUser user, IEnumerable<string> scopes, SignInFacts signIn,
        string? authorizationId)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);

        identity.SetClaim(Claims.Subject, await users.GetUserIdAsync(user))
            .SetClaim(Claims.Name, user.DisplayName)
            .SetClaim(Claims.Email, await users.GetEmailAsync(user))
            .SetClaim(Claims.EmailVerified, await users.IsEmailConfirmedAsync(user))
            .SetClaim(Claims.Birthdate, user.BirthDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(user)])
            .SetClaim(SessionClaims.SessionId, signIn.SessionId)
            .SetClaim(SessionClaims.AuthTimeInIdToken, signIn.AuthTimeInIdToken ? "true" : null)
            .SetClaim(SessionClaims.SecondFactor, signIn.SecondFactor);
        if (signIn.Methods.Count > 0)
        {
            // One JSON array claim: a single method is still an array in the token (RFC 8176 section 1).
            identity.AddClaim(new Claim(Claims.AuthenticationMethodReference, JsonSerializer.Serialize(signIn.Methods),
                JsonClaimValueTypes.JsonArray));
            identity.SetClaim(Claims.AuthenticationContextReference, signIn.Level);
        }

        if (signIn.AuthenticatedAt is { } authenticatedAt)
        {
            identity.AddClaim(SessionClaims.AuthenticationTime(authenticatedAt));
        }

        identity.SetScopes(scopes);
        identity.SetResources(await scopeResources.OfAsync(scopeManager, identity.GetScopes()));
        identity.SetAuthorizationId(authorizationId);
        // The family of this token in the access token, so a refresh-token family is revocable at resource servers
        // with one entry (an opaque id, no personal data).
        identity.SetClaim(TokenFacts.FamilyClaim, authorizationId);
        identity.SetDestinations(ClaimDestinations.For);

        return new ClaimsPrincipal(identity);
    }
}
