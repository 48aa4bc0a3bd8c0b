using System.Diagnostics;
using Npgsql;

namespace RedisJwt.Testing;

/// <summary>
/// Test databases made as an operator makes a service's: deploy/postgres/service-database.sql run by the superuser,
/// so each is owned by the service's role and closed to every other role. The services never create a database.
/// </summary>
public static class TestDatabases
{
    /// <summary>
    /// Creates <paramref name="database"/> for <paramref name="owner"/> unless it exists (a restarted server reuses it).
    /// Synchronous: it runs while a test host is being built.
    /// </summary>
    public static void Create(string database, Service owner)
    {
        var superuser = new NpgsqlConnectionStringBuilder(TestServers.PostgresAdmin);
        var role = new NpgsqlConnectionStringBuilder(TestServers.PostgresRole(owner)).Username!;
        var start = new ProcessStartInfo("psql",
        [
            "-X", "-q", "-h", superuser.Host!, "-p", superuser.Port.ToString(), "-U", superuser.Username!, "-d", "postgres",
            "-v", $"role={role}", "-v", $"database={database}",
            "-f", Repository.PathOf("deploy", "postgres", "service-database.sql"),
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["PGPASSWORD"] = superuser.Password },
        };
        using var psql = Process.Start(start)!;
        var errors = psql.StandardError.ReadToEndAsync();
        psql.StandardOutput.ReadToEnd();
        psql.WaitForExit();
        if (psql.ExitCode != 0)
        {
            throw new InvalidOperationException($"service-database.sql failed for {database} ({psql.ExitCode}): {errors.Result}");
        }
    }

    public static async Task DropAsync(string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(TestServers.PostgresAdmin) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
