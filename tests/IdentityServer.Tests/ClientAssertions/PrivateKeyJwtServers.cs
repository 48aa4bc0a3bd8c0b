using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ClientAssertions;

/// <summary>
/// Two IdentityServer instances of one deployment (one database, one Redis prefix) with a seeded private_key_jwt client
/// (its public key inline), for the client-credentials, introspection, revocation, PAR and device authorization requests
/// it authenticates.
/// </summary>
public sealed class PrivateKeyJwtServers : IAsyncLifetime
{
    public const string ClientId = "partner-pkjwt";
    public const string RedirectUri = "https://partner.example/callback";

    private readonly string _database = NewDatabaseName();
    private readonly string _prefix = NewRedisPrefix();

    public ClientAssertionForge Forge { get; } = new(DefaultIssuer);

    public IdentityServerFactory First { get; private set; } = null!;

    public IdentityServerFactory Second { get; private set; } = null!;

    public Dictionary<string, string?> Settings() => new()
    {
        [$"Seed:Clients:{ClientId}:TokenEndpointAuthMethod"] = "private_key_jwt",
        [$"Seed:Clients:{ClientId}:Jwks"] = Forge.PublicJwks(),
        [$"Seed:Clients:{ClientId}:GrantTypes:0"] = "client_credentials",
        [$"Seed:Clients:{ClientId}:GrantTypes:1"] = "authorization_code",
        [$"Seed:Clients:{ClientId}:GrantTypes:2"] = "urn:ietf:params:oauth:grant-type:device_code",
        [$"Seed:Clients:{ClientId}:RedirectUris:0"] = RedirectUri,
        [$"Seed:Clients:{ClientId}:Scopes:0"] = "openid",
        [$"Seed:Clients:{ClientId}:Scopes:1"] = "posts.read",
        [$"Seed:Clients:{ClientId}:Introspection"] = "true",
        [$"Seed:Clients:{ClientId}:Resource"] = BoardApiResource,
    };

    public Task InitializeAsync()
    {
        First = Create(_database, _prefix, Settings());
        Second = Create(_database, _prefix, Settings());
        Second.DropDatabaseOnDispose = false;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
    }
}
