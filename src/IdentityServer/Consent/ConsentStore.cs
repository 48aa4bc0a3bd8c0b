using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Consent;

/// <summary>An app the user has allowed, and what it may do (the union of the scopes consented to).</summary>
public sealed record GrantedApp(string ApplicationId, string Name, IReadOnlyList<string> Scopes, DateTimeOffset? Since);

/// <summary>
/// A user's consent to a client is an OpenIddict permanent authorization covering a set of scopes;
/// it is remembered per user + client + scopes, so asking for a new scope asks again.
/// </summary>
public sealed class ConsentStore(IOpenIddictAuthorizationManager authorizations, IOpenIddictApplicationManager applications)
{
    public async Task<bool> HasConsentedAsync(string userId, string applicationId, IEnumerable<string> scopes) =>
        await authorizations.FindAsync(userId, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, [.. scopes])
            .AnyAsync();

    public async Task RememberAsync(ClaimsPrincipal principal, string userId, string applicationId) =>
        await authorizations.CreateAsync(principal, userId, applicationId, AuthorizationTypes.Permanent, principal.GetScopes());

    /// <summary>Every app with a remembered consent of the user, oldest consent first.</summary>
    public async Task<IReadOnlyList<GrantedApp>> ListAsync(string userId)
    {
        var consents = new List<(string ApplicationId, IEnumerable<string> Scopes, DateTimeOffset? Since)>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(userId))
        {
            if (await authorizations.HasTypeAsync(authorization, AuthorizationTypes.Permanent)
                && await authorizations.HasStatusAsync(authorization, Statuses.Valid)
                && await authorizations.GetApplicationIdAsync(authorization) is { } applicationId)
            {
                consents.Add((applicationId, await authorizations.GetScopesAsync(authorization),
                    await authorizations.GetCreationDateAsync(authorization)));
            }
        }

        var apps = new List<GrantedApp>();
        foreach (var group in consents.GroupBy(consent => consent.ApplicationId))
        {
            var application = await applications.FindByIdAsync(group.Key);
            var name = application is null ? null : await applications.GetLocalizedDisplayNameAsync(application)
                ?? await applications.GetClientIdAsync(application);
            apps.Add(new GrantedApp(group.Key, name ?? group.Key,
                [.. group.SelectMany(consent => consent.Scopes).Distinct().Order()], group.Min(consent => consent.Since)));
        }

        return [.. apps.OrderBy(app => app.Since)];
    }
}
