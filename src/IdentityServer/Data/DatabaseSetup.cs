using Microsoft.EntityFrameworkCore;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.Data;

public static class DatabaseSetup
{
    public const string ConnectionStringName = "IdentityDb";

    public static IHostApplicationBuilder AddIdentityDatabase(this IHostApplicationBuilder builder) =>
        builder.AddServiceDatabase<ApplicationDbContext>(ConnectionStringName, options => options.UseOpenIddict());

    /// <summary>Production path (`IdentityServer migrate`): apply migrations, then seed.</summary>
    public static async Task MigrateAndSeedAsync(this WebApplication app)
    {
        await app.MigrateDatabaseAsync<ApplicationDbContext>();
        await app.SeedAsync();
    }

    /// <summary>On every start: migrate when configured to, then seed clients, scopes and the demo user.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        // Seeding needs the database too: a missing one is named, whether or not this start migrates.
        await app.RequireDatabaseAsync<ApplicationDbContext>();
        await app.MigrateIfConfiguredAsync<ApplicationDbContext>();
        await app.SeedAsync();
    }
}
