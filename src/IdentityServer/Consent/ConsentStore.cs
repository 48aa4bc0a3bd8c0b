using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Consent;

/// <summary>
/// A user's consent to a client is an OpenIddict permanent authorization covering a set of scopes;
/// it is remembered per user + client + scopes, so asking for a new scope asks again.
/// </summary>
public sealed class ConsentStore(IOpenIddictAuthorizationManager authorizations)
{
    public async Task<bool> HasConsentedAsync(string userId, string applicationId, IEnumerable<string> scopes) =>
        await authorizations.FindAsync(userId, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, [.. scopes])
            .AnyAsync();

    public async Task RememberAsync(ClaimsPrincipal principal, string userId, string applicationId) =>
        await authorizations.CreateAsync(principal, userId, applicationId, AuthorizationTypes.Permanent, principal.GetScopes());
}
