using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Clients;

namespace RedisJwt.IdentityServer.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>True in Development; elsewhere run `IdentityServer migrate` as an explicit deployment step.</summary>
    public bool ApplyMigrationsAtStartup { get; set; }
}

public static class DatabaseSetup
{
    public const string ConnectionStringName = "IdentityDb";

    public static IHostApplicationBuilder AddIdentityDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);

        builder.Services.AddDbContext<ApplicationDbContext>((services, options) =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new OptionsValidationException($"ConnectionStrings:{ConnectionStringName}", typeof(DatabaseOptions),
                    [$"ConnectionStrings:{ConnectionStringName} is required (an Npgsql connection string)."]);
            }

            options.UseNpgsql(connectionString);
            options.UseOpenIddict();
        });

        return builder;
    }

    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        // EF Core takes a database lock while migrating, so instances starting together are safe.
        await db.Database.MigrateAsync();
    }

    /// <summary>On every start: migrate when configured to, then seed clients, scopes and the demo user.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.ApplyMigrationsAtStartup)
        {
            await app.MigrateDatabaseAsync();
        }

        await app.SeedAsync();
    }
}
