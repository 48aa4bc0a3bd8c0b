using System.Collections.Immutable;
using OpenIddict.Abstractions;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// RFC 8707 resource indicators, decided here for every grant: which resources a request may name, what a grant made
/// for some resources holds, and what an access token for one resource carries. A resource is named through the scopes
/// that grant it (the scope table, <see cref="ScopeResources"/>), the one source of who may have which audience, so
/// OpenIddict's per-client resource permissions are off. OpenIddict itself refuses, before any of this, a resource
/// that is not an absolute URI (invalid_request) or not registered (invalid_target; the seed's scopes' resources are).
/// </summary>
public sealed class ResourceIndicators(IOpenIddictScopeManager manager, ScopeResources scopeResources)
{
    /// <summary>Why naming <paramref name="requested"/> is refused (RFC 8707 2: invalid_target), or null when it is not.</summary>
    /// <param name="scopes">The scopes the resources must be of: those requested (authorization, PAR, client_credentials,
    /// password), or those granted (a code or refresh token's, or the subset a refresh asks for).</param>
    /// <param name="tokenRequest">A token request names one resource at most: one audience per access token.</param>
    public async Task<string?> RefusalAsync(ImmutableArray<string> requested, ImmutableArray<string> scopes, bool tokenRequest)
    {
        if (requested.IsEmpty)
        {
            return null;
        }

        if (tokenRequest && requested.Distinct(StringComparer.Ordinal).Skip(1).Any())
        {
            return "A token request names one resource at most: each access token is for one API (ask again for the next).";
        }

        var available = await scopeResources.OfAsync(manager, scopes);
        return requested.FirstOrDefault(resource => !available.Contains(resource, StringComparer.Ordinal)) is { } outside
            ? $"\"{outside}\" is not the resource of any scope {(tokenRequest ? "of this grant or request" : "requested")}."
            : null;
    }

    /// <summary>
    /// The scopes of a grant made for <paramref name="resources"/> (RFC 8707 2.1): the API scopes of those resources,
    /// and every scope without a resource (openid, profile, offline_access...), which the ID and refresh tokens need.
    /// No resources: all of them.
    /// </summary>
    public Task<ImmutableArray<string>> GrantedScopesAsync(ImmutableArray<string> scopes, ImmutableArray<string> resources) =>
        LimitAsync(scopes, resources, keepScopesWithoutResource: true);

    /// <summary>The scopes an access token for <paramref name="resources"/> carries: only the API scopes of those resources.</summary>
    public Task<ImmutableArray<string>> TokenScopesAsync(ImmutableArray<string> scopes, ImmutableArray<string> resources) =>
        LimitAsync(scopes, resources, keepScopesWithoutResource: false);

    private async Task<ImmutableArray<string>> LimitAsync(ImmutableArray<string> scopes, ImmutableArray<string> resources,
        bool keepScopesWithoutResource)
    {
        if (resources.IsEmpty)
        {
            return scopes;
        }

        var byScope = await scopeResources.ByScopeAsync(manager, scopes);
        return [.. scopes.Where(scope => byScope.TryGetValue(scope, out var own)
            ? own.Intersect(resources, StringComparer.Ordinal).Any()
            : keepScopesWithoutResource)];
    }
}
