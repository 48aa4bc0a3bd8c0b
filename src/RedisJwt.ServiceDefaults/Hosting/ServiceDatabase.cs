using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>The "Database" section, the same in every service.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>True in Development; elsewhere run the service with the `migrate` argument as a deployment step.</summary>
    public bool ApplyMigrationsAtStartup { get; set; }
}

/// <summary>
/// Each service owns one PostgreSQL database, set up and migrated the same way. The operator creates the database,
/// owned by the service's own role (deploy/postgres/service-database.sql); the service only migrates it, as its owner.
/// </summary>
public static class ServiceDatabase
{
    public static IHostApplicationBuilder AddServiceDatabase<TDbContext>(this IHostApplicationBuilder builder,
        string connectionStringName, Action<DbContextOptionsBuilder>? configure = null)
        where TDbContext : DbContext
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        builder.Services.AddSingleton(new ConnectionStringName<TDbContext>(connectionStringName));
        // With app.UseExceptionHandler(): a request that finds PostgreSQL unreachable is a 503, not a 500.
        builder.Services.AddDependencyUnavailableHandler();

        // Pooled: the options are built once and contexts reused, instead of both made anew for every request (OpenIddict
        // resolves its EF stores on every token and introspection request, even when a cache answers them).
        builder.Services.AddDbContextPool<TDbContext>((services, options) =>
        {
            // Read when the first context is built, so configuration added by hosts and test factories is honoured.
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(connectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new OptionsValidationException($"ConnectionStrings:{connectionStringName}", typeof(DatabaseOptions),
                    [$"ConnectionStrings:{connectionStringName} is required (an Npgsql connection string)."]);
            }

            options.UseNpgsql(connectionString);
            configure?.Invoke(options);
        });

        return builder;
    }

    public static async Task MigrateDatabaseAsync<TDbContext>(this WebApplication app) where TDbContext : DbContext
    {
        await app.RequireDatabaseAsync<TDbContext>();
        await using var scope = app.Services.CreateAsyncScope();
        // EF Core takes a database lock while migrating, so instances starting together are safe.
        await scope.ServiceProvider.GetRequiredService<TDbContext>().Database.MigrateAsync();
    }

    /// <summary>
    /// Stops the start with a message naming the setting when the database is missing or the role may not use it, rather
    /// than a provider error from somewhere in a migration or a query (EF Core would even try to create a missing
    /// database, which the service's role may not). An unreachable server is left to the caller, as before.
    /// </summary>
    public static async Task RequireDatabaseAsync<TDbContext>(this WebApplication app) where TDbContext : DbContext
    {
        await using var scope = app.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<TDbContext>().Database;
        var setting = $"ConnectionStrings:{app.Services.GetRequiredService<ConnectionStringName<TDbContext>>().Name}";
        var target = new NpgsqlConnectionStringBuilder(database.GetConnectionString());
        var where = $"the database \"{target.Database}\" on {target.Host}:{target.Port}";
        try
        {
            await database.OpenConnectionAsync();
            await database.CloseConnectionAsync();
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            throw new OptionsValidationException(setting, typeof(DatabaseOptions),
                [$"{setting}: {where} does not exist. The operator creates it, owned by the service's own role "
                    + "(deploy/postgres/service-database.sql, docs/deployment.md); the service never creates a database."]);
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.InsufficientPrivilege
            or PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            throw new OptionsValidationException(setting, typeof(DatabaseOptions),
                [$"{setting}: the role \"{target.Username}\" may not use {where} ({exception.MessageText}). It must be "
                    + "the role that owns the database (deploy/postgres/service-database.sql, docs/deployment.md)."]);
        }
    }

    /// <summary>Migrates at start only where configured to (Development).</summary>
    public static async Task MigrateIfConfiguredAsync<TDbContext>(this WebApplication app) where TDbContext : DbContext
    {
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ApplyMigrationsAtStartup)
        {
            await app.MigrateDatabaseAsync<TDbContext>();
        }
    }
}

/// <summary>Which connection string a service's database is configured by, for messages naming the setting.</summary>
internal sealed record ConnectionStringName<TDbContext>(string Name) where TDbContext : DbContext;
