using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;
using ReportingService;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>samples/MachineClient against a running IdentityServer and BoardApi.</summary>
[Collection(SamplesCollection.Name)]
public sealed class MachineClientTests(SampleDeployment deployment)
{
    [Fact]
    public async Task ClientCredentials_TokenForReportingService_ListsPostCreatedBefore()
    {
        var title = $"Quarterly numbers {Guid.NewGuid():N}";
        var writer = deployment.BoardA.CreateClient(await OAuth.ClientCredentialsAsync(deployment.IdentityA.CreateClient(), "posts.write"));
        var created = await writer.PostAsJsonAsync("/posts", new { title, content = "For the report." });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var report = await JobWith(ReportingKey.Registered).RunAsync(CancellationToken.None);

        var token = new JsonWebToken(report.AccessToken);
        Assert.Equal("reporting-service", token.Subject);
        Assert.Equal("posts.read", token.GetClaim("scope").Value);
        // It names BoardApi's resource (RFC 8707): the token is for BoardApi alone.
        Assert.Equal([IdentityServerFactory.BoardApiResource], token.Audiences);
        Assert.Contains(title, report.Titles);
    }

    [Fact]
    public async Task KeyTheServerNeverHad_JobFailsNamingInvalidClient()
    {
        var failure = await Assert.ThrowsAsync<ReportingException>(() => JobWith(ReportingKey.Unknown).RunAsync(CancellationToken.None));

        Assert.Contains("invalid_client", failure.Message);
        Assert.Contains("reporting-service", failure.Message);
    }

    [Fact]
    public async Task Console_KeyTheServerNeverHad_ExitCodeOneAndReasonOnStderr()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "MachineClient.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in Settings(ReportingKey.Unknown))
        {
            start.Environment[key.Replace(":", "__")] = value;
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}\n{stdout}\n{await stderr}");
        Assert.Contains("invalid_client", await stderr);
    }

    private ReportingJob JobWith(ReportingKey key)
    {
        // No appsettings files: the test's settings only.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings(key));
        var host = builder.AddReporting().Build();
        return host.Services.GetRequiredService<ReportingJob>();
    }

    private Dictionary<string, string?> Settings(ReportingKey key) => new()
    {
        ["Reporting:Issuer"] = deployment.Issuer.AbsoluteUri,
        ["Reporting:ClientId"] = "reporting-service",
        ["Reporting:PrivateKeyPath"] = key.PrivateKeyPath,
        ["Reporting:BoardApi"] = deployment.BoardA.BaseAddress.AbsoluteUri,
    };
}
