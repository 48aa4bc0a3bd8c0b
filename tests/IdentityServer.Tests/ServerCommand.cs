using System.Diagnostics;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// `IdentityServer migrate` or `clients ...` as a deployment runs it: its own process, Production settings, its own
/// PostgreSQL role and Redis user, on a database the operator created.
/// </summary>
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
        TestDatabases.Create(databaseName, Service.IdentityServer);
        start.Environment["ConnectionStrings__IdentityDb"] = TestServers.Postgres(Service.IdentityServer, databaseName);
        start.Environment["ConnectionStrings__Redis"] = TestServers.RedisAs(Service.IdentityServer);
        start.Environment["Redis__KeyPrefix"] = redisPrefix;
        start.Environment["Server__Issuer"] = "https://id.example.test/";
        start.Environment["Seed__ApiScopes__posts.read__Resource"] = IdentityServerFactory.BoardApiResource;
        start.Environment["Seed__ApiScopes__posts.write__Resource"] = IdentityServerFactory.BoardApiResource;
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
