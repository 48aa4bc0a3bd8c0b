using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Consent;

/// <summary>What a scope lets an app do, in the words the consent and connected-apps pages show.</summary>
public sealed class ScopeDescriptions(IOpenIddictScopeManager scopeManager)
{
    public async Task<IReadOnlyList<(string Name, string Description)>> DescribeAsync(IEnumerable<string> scopes)
    {
        var described = new List<(string, string)>();
        foreach (var scope in scopes)
        {
            var entry = await scopeManager.FindByNameAsync(scope);
            var description = entry is null ? Standard(scope) : await scopeManager.GetLocalizedDisplayNameAsync(entry);
            described.Add((scope, description ?? scope));
        }

        return described;
    }

    private static string Standard(string scope) => scope switch
    {
        Scopes.OpenId => "Sign you in",
        Scopes.Profile => "Your display name and birthdate",
        Scopes.Email => "Your email address",
        Scopes.Roles => "Your roles",
        Scopes.OfflineAccess => "Stay signed in (refresh tokens)",
        _ => scope,
    };
}
