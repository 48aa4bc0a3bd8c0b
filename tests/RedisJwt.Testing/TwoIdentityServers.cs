namespace RedisJwt.Testing;

/// <summary>
/// Two IdentityServer instances of one deployment (one database, one Redis prefix), each on a loopback port so requests
/// come from an IP address, as behind a load balancer. Each has an issuer of its own (its port): a token is used where
/// it was issued.
/// </summary>
public sealed class TwoIdentityServers(IDictionary<string, string?> settings) : IAsyncLifetime
{
    private readonly string _database = IdentityServerFactory.NewDatabaseName();
    private readonly string _prefix = IdentityServerFactory.NewRedisPrefix();

    public IdentityServerFactory First { get; private set; } = null!;

    public IdentityServerFactory Second { get; private set; } = null!;

    /// <summary>First for even attempts, Second for odd ones.</summary>
    public IdentityServerFactory Alternate(int attempt) => attempt % 2 == 0 ? First : Second;

    public Task InitializeAsync()
    {
        First = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(), _database, _prefix, settings);
        First.StartServer();
        Second = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(), _database, _prefix, settings);
        Second.DropDatabaseOnDispose = false;
        Second.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Second.DisposeAsync();
        await First.DisposeAsync();
    }
}
