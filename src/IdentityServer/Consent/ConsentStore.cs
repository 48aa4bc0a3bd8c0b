using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Consent;

/// <summary>
/// A user's consent to a client is an OpenIddict permanent authorization covering a set of scopes;
/// it is remembered per user + client + scopes, so asking for a new scope asks again.
/// </summary>
public sealed class ConsentStore(IOpenIddictAuthorizationManager authorizations)
{
    public async Task<object?> FindAsync(string userId, string applicationId, IEnumerable<string> scopes)
    {
        var found = authorizations.FindAsync(userId, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, [.. scopes]);
        return await found.LastOrDefaultAsync();
    }

    public async Task<string> RememberAsync(System.Security.Claims.ClaimsPrincipal principal, string userId,
        string applicationId)
    {
        var authorization = await authorizations.CreateAsync(principal, userId, applicationId,
            AuthorizationTypes.Permanent, principal.GetScopes());
        return (await authorizations.GetIdAsync(authorization))!;
    }

    public async Task<string?> GetIdAsync(object authorization) => await authorizations.GetIdAsync(authorization);
}
