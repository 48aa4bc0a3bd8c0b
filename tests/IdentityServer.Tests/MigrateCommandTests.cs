using System.Net;
using Npgsql;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Outside Development the schema is applied by `IdentityServer migrate`, a deployment step, not at start.</summary>
public sealed class MigrateCommandTests
{
    [Fact]
    public async Task MigrateCommand_Production_CreatesSchemaSeedsAndExitsThenServerStarts()
    {
        var database = IdentityServerFactory.NewDatabaseName();
        var connectionString = new NpgsqlConnectionStringBuilder(TestServers.PostgresAdmin) { Database = database }.ConnectionString;
        var prefix = $"test:{Guid.NewGuid():N}:";

        var (exitCode, output, errors) = await ServerCommand.RunAsync(database, prefix, "migrate");
        Assert.True(exitCode == 0, $"migrate exited {exitCode}: {output}{errors}");

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var migrations = new NpgsqlCommand("SELECT count(*) FROM \"__EFMigrationsHistory\"", connection);
            Assert.True((long)(await migrations.ExecuteScalarAsync())! > 0);
            await using var scope = new NpgsqlCommand("SELECT \"Resources\" FROM \"OpenIddictScopes\" WHERE \"Name\" = 'posts.read'", connection);
            Assert.Contains(IdentityServerFactory.BoardApiResource, (string)(await scope.ExecuteScalarAsync())!);
        }

        // The migrated, seeded database serves a Production instance that does not migrate by itself.
        await using var server = IdentityServerFactory.Create(database, prefix, new Dictionary<string, string?>
        {
            ["Database:ApplyMigrationsAtStartup"] = "false",
        }, environment: "Production");
        Assert.Equal(HttpStatusCode.OK, (await server.CreateClient().GetAsync("/health/ready")).StatusCode);
    }
}
