using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.BoardApi.Data;
using Npgsql;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Infrastructure;

/// <summary>
/// The real BoardApi on the test host, knowing the IdentityServer only by its issuer URL. Each instance has its own
/// database unless given one: two factories on one database and Redis prefix are two instances of one deployment.
/// </summary>
public sealed class BoardApiFactory : WebApplicationFactory<BoardApiMarker>
{
    private readonly Dictionary<string, string?> _settings;
    private readonly string _environment;

    /// <param name="environment">Development migrates at start; elsewhere the database stays empty.</param>
    public BoardApiFactory(Uri issuer, string? databaseName = null, string? redisPrefix = null,
        IDictionary<string, string?>? overrides = null, string environment = "Development")
    {
        _environment = environment;
        DatabaseName = databaseName ?? $"board_test_{Guid.NewGuid():N}";
        _settings = new Dictionary<string, string?>
        {
            // As deployed: its own PostgreSQL role, owning the database, and its own Redis user (least rights).
            ["ConnectionStrings:BoardDb"] = TestServers.Postgres(Service.BoardApi, DatabaseName),
            ["ConnectionStrings:Redis"] = TestServers.RedisAs(Service.BoardApi),
            ["Redis:KeyPrefix"] = redisPrefix ?? IdentityServerFactory.NewRedisPrefix(),
            ["Auth:Issuer"] = issuer.AbsoluteUri,
            ["Auth:AllowInsecureHttp"] = "true",
            // Tests rotate keys within seconds; production waits 30 s between forced metadata refreshes.
            ["Auth:MetadataRefreshInterval"] = "00:00:01",
            ["Cors:AllowedOrigins:0"] = IdentityServerFactory.SpaOrigin,
            // Out of the way of tests about something else; rate-limit tests set small ones.
            ["RateLimits:Policies:board-writes:PermitLimit"] = "100000",
            ["RateLimits:Policies:board-reads:PermitLimit"] = "100000",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DatabaseName { get; }

    /// <summary>False when another instance goes on using the database.</summary>
    public bool DropDatabaseOnDispose { get; set; } = true;

    /// <summary>False to start the service without its database, as an operator who forgot to create it would.</summary>
    public bool CreateDatabase { get; set; } = true;

    /// <summary>Services added for a test (e.g. a log watch); set before first use.</summary>
    public Action<IServiceCollection>? TestServices { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Made as the operator makes it (the service cannot), before the host starts and migrates it.
        if (CreateDatabase)
        {
            TestDatabases.Create(DatabaseName, Service.BoardApi);
        }

        builder.UseEnvironment(_environment);
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
        if (TestServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    /// <summary>A client sending <paramref name="accessToken"/> as its bearer token (none when null).</summary>
    public HttpClient CreateClient(string? accessToken)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    /// <summary>What is really stored, read past the API and its cache.</summary>
    public async Task<int> CountPostsAsync(string authorId)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BoardDbContext>().Posts.CountAsync(post => post.AuthorId == authorId);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (DropDatabaseOnDispose)
        {
            DropDatabaseOnDispose = false;
            NpgsqlConnection.ClearAllPools();
            await IdentityServerFactory.DropDatabaseAsync(DatabaseName);
        }
    }
}
