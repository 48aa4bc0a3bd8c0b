using System.Diagnostics;
using Npgsql;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>`IdentityServer migrate` or `clients ...` as a deployment runs it: its own process, Production settings.</summary>
internal static class ServerCommand
{
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string databaseName, string redisPrefix,
        params string[] args)
    {
        var assembly = typeof(IdentityServerMarker).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [assembly, .. args])
        {
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__IdentityDb"] =
            new NpgsqlConnectionStringBuilder(TestServers.PostgresAdmin) { Database = databaseName }.ConnectionString;
        start.Environment["ConnectionStrings__Redis"] = TestServers.Redis;
        start.Environment["Redis__KeyPrefix"] = redisPrefix;
        start.Environment["Server__Issuer"] = "https://id.example.test/";
        start.Environment["Messages__Providers__Email"] = "folder";
        start.Environment["Messages__Providers__Sms"] = "folder";
        start.Environment["Messages__Folder__Path"] = Path.Combine(Path.GetTempPath(), "redisjwt-messages", "commands");
        foreach (var (key, value) in TestCertificates.Settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        return (process.ExitCode, await output, await errors);
    }
}
