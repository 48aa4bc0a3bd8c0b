using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace RedisJwt.Testing;

/// <summary>
/// One of our services on the test host, connected as deployed: its own PostgreSQL role owning a database of its own
/// (made before the host starts, dropped when disposed) and its own Redis user, under a Redis key prefix. Its settings are
/// the service's with a test's overrides on top.
/// </summary>
public abstract class ServiceFactory<TMarker> : WebApplicationFactory<TMarker>
    where TMarker : class
{
    private readonly Service _service;
    private readonly string _environment;
    private readonly Dictionary<string, string?> _settings;

    protected ServiceFactory(Service service, string databaseName, string redisPrefix, IDictionary<string, string?> settings,
        IDictionary<string, string?>? overrides, string environment)
    {
        _service = service;
        _environment = environment;
        DatabaseName = databaseName;
        RedisPrefix = redisPrefix;
        _settings = new Dictionary<string, string?>(settings)
        {
            // As deployed: its own PostgreSQL role, owning the database, and its own Redis user (least rights).
            [$"ConnectionStrings:{(service == Service.IdentityServer ? "IdentityDb" : "BoardDb")}"] = TestServers.Postgres(service, databaseName),
            ["ConnectionStrings:Redis"] = TestServers.RedisAs(service),
            ["Redis:KeyPrefix"] = redisPrefix,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DatabaseName { get; }

    public string RedisPrefix { get; }

    /// <summary>False when another instance (a "restarted" service) goes on using the database.</summary>
    public bool DropDatabaseOnDispose { get; set; } = true;

    /// <summary>False to start the service without its database, as an operator who forgot to create it would.</summary>
    public bool CreateDatabase { get; set; } = true;

    /// <summary>Services replaced or added for a test (a provider that fails on purpose, a log watch); set before first use.</summary>
    public Action<IServiceCollection>? TestServices { get; set; }

    protected IReadOnlyDictionary<string, string?> Settings => _settings;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Made as the operator makes it (the service cannot), before the host starts and migrates it.
        if (CreateDatabase)
        {
            TestDatabases.Create(DatabaseName, _service);
        }

        builder.UseEnvironment(_environment);
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
        if (TestServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (DropDatabaseOnDispose)
        {
            DropDatabaseOnDispose = false;
            await TestDatabases.DropAsync(DatabaseName);
        }
    }
}
