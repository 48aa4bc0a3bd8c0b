using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RedisJwt.Revocation.Hosting;

/// <summary>The "Database" section, the same in every service.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>True in Development; elsewhere run the service with the `migrate` argument as a deployment step.</summary>
    public bool ApplyMigrationsAtStartup { get; set; }
}

/// <summary>Each service owns one PostgreSQL database, set up and migrated the same way.</summary>
public static class ServiceDatabase
{
    public static IHostApplicationBuilder AddServiceDatabase<TDbContext>(this IHostApplicationBuilder builder,
        string connectionStringName, Action<DbContextOptionsBuilder>? configure = null)
        where TDbContext : DbContext
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
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
        await using var scope = app.Services.CreateAsyncScope();
        // EF Core takes a database lock while migrating, so instances starting together are safe.
        await scope.ServiceProvider.GetRequiredService<TDbContext>().Database.MigrateAsync();
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
