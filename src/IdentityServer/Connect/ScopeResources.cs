using System.Collections.Immutable;
using Microsoft.Extensions.Caching.Memory;
using OpenIddict.Abstractions;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// The resources (token audiences) of a set of scopes, from the scope table, remembered for a minute: every token
/// request needs them, and they change only when the seed configuration does (at a deployment). Without this, each
/// client_credentials token cost one more database query than the client lookup itself.
/// </summary>
public sealed class ScopeResources : IDisposable
{
    /// <summary>How long a change to a scope's resources may take to reach this instance's tokens.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    // Requested scopes are checked against the client's permissions first, so the combinations are few.
    private readonly MemoryCache _resources = new(new MemoryCacheOptions { SizeLimit = 1_000 });

    /// <summary>The resources of the scopes together, in ordinal order.</summary>
    public async Task<ImmutableArray<string>> OfAsync(IOpenIddictScopeManager manager, ImmutableArray<string> scopes) =>
        [.. (await ByScopeAsync(manager, scopes)).Values.SelectMany(resources => resources)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Each of the scopes that has resources, with them: openid, profile and the like have none.</summary>
    public async Task<ImmutableDictionary<string, ImmutableArray<string>>> ByScopeAsync(IOpenIddictScopeManager manager,
        ImmutableArray<string> scopes)
    {
        var key = string.Join(' ', scopes.Order(StringComparer.Ordinal));
        if (_resources.TryGetValue(key, out ImmutableDictionary<string, ImmutableArray<string>>? known))
        {
            return known!;
        }

        var byScope = ImmutableDictionary.CreateBuilder<string, ImmutableArray<string>>(StringComparer.Ordinal);
        await foreach (var scope in manager.FindByNamesAsync(scopes))
        {
            if (await manager.GetResourcesAsync(scope) is { IsEmpty: false } resources && await manager.GetNameAsync(scope) is { } name)
            {
                byScope[name] = resources;
            }
        }

        var result = byScope.ToImmutable();
        _resources.Set(key, result, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });
        return result;
    }

    public void Dispose() => _resources.Dispose();
}
