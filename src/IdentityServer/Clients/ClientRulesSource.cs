using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Admin;
using RedisJwt.IdentityServer.AuthApi;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>The <see cref="ClientRules"/> of this server, for the seed and for the admin API and CLI alike.</summary>
public sealed class ClientRulesSource(IOptions<OpenIddictServerOptions> server, IOptions<AuthApiSettings> authApi,
    IHostEnvironment environment, IOpenIddictScopeManager scopes, IOptions<SeedOptions> seed)
{
    /// <summary>Before the seed has written anything: the standard scopes and the configured API scopes.</summary>
    public ClientRules ForSeed() => Rules(server.Value.Scopes);

    /// <summary>Also every scope in the database: OpenIddict issues those too.</summary>
    public async Task<ClientRules> ForRegistryAsync(CancellationToken cancellationToken)
    {
        var known = new HashSet<string>(server.Value.Scopes, StringComparer.Ordinal);
        await foreach (var scope in scopes.ListAsync(count: null, offset: null, cancellationToken))
        {
            if (await scopes.GetNameAsync(scope, cancellationToken) is { } name)
            {
                known.Add(name);
            }
        }

        return Rules(known) with { ReservedScopes = ReservedScopes };
    }

    /// <summary>The account API's and the admin API's scopes: first-party only.</summary>
    private static readonly IReadOnlySet<string> ReservedScopes = new HashSet<string>(StringComparer.Ordinal)
    {
        AuthApiSettings.AccountScope,
        AdminSetup.AdminScope,
    };

    private ClientRules Rules(IEnumerable<string> knownScopes) =>
        new(authApi.Value.ClientId, knownScopes.ToHashSet(StringComparer.Ordinal), AnyHttpHost: environment.IsDevelopment(),
            KnownResources: seed.Value.ApiScopes.Values.Select(scope => scope.Resource).ToHashSet(StringComparer.Ordinal));
}
