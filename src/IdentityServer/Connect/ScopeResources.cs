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

    public async Task<ImmutableArray<string>> OfAsync(IOpenIddictScopeManager manager, ImmutableArray<string> scopes)
    {
        var key = string.Join(' ', scopes.Order(StringComparer.Ordinal));
        if (_resources.TryGetValue(key, out ImmutableArray<string> known))
        {
            return known;
        }

        var resources = (await manager.ListResourcesAsync(scopes).ToListAsync()).ToImmutableArray();
        _resources.Set(key, resources, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });
        return resources;
    }

    public void Dispose() => _resources.Dispose();
}
