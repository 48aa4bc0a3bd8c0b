using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RedisJwt.Testing;
using Xunit.Abstractions;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// samples/ThirdPartyApi, built as a third party builds it, from the packed RedisJwt.Revocation package, against a
/// running IdentityServer: a token revoked there fails at the sample within a second.
/// </summary>
[Collection(SamplesCollection.Name)]
public sealed class ThirdPartyApiTests(SampleDeployment deployment, PackedThirdPartyApi build, ITestOutputHelper output)
    : IClassFixture<PackedThirdPartyApi>, IAsyncLifetime
{
    private ServiceProcess _api = null!;

    public async Task InitializeAsync() =>
        _api = await ServiceProcess.StartAsync("ThirdPartyApi", build.OutputFolder, IdentityServerFactory.FreeLoopbackPort(),
            new Dictionary<string, string?>
            {
                ["Api:Issuer"] = deployment.Issuer.AbsoluteUri,
                // A resource server's Redis user; StackExchange.Redis told not to use what that user may not.
                ["ConnectionStrings:Redis"] = $"{TestServers.RedisAs(Service.BoardApi)},abortConnect=false,$CONFIG=,tiebreaker=,configChannel=",
                ["Revocation:KeyPrefix"] = deployment.RedisPrefix,
            });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task AccessToken_RevokedAtIdentityServer_RejectedWithinOneSecond()
    {
        var token = await OAuth.ClientCredentialsAsync(deployment.IdentityA.CreateClient(), "posts.read");
        using var client = _api.CreateClient(token);
        var notes = await client.GetAsync("/notes");
        Assert.Equal(HttpStatusCode.OK, notes.StatusCode);
        Assert.Equal(IdentityServerFactory.ThirdPartyClientId,
            JsonDocument.Parse(await notes.Content.ReadAsStringAsync()).RootElement.GetProperty("owner").GetString());

        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsThirdPartyAsync(deployment.IdentityA.CreateClient(), token)).Status);

        var clock = Stopwatch.StartNew();
        HttpResponseMessage answer;
        while ((answer = await client.GetAsync("/notes")).StatusCode == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(5);
        }

        var latency = clock.Elapsed;
        output.WriteLine($"the sample rejected the token {latency.TotalMilliseconds:F0} ms after the revocation endpoint answered");
        Assert.True(answer.StatusCode == HttpStatusCode.Unauthorized, $"{answer.StatusCode}:\n{_api.Output}");
        Assert.Contains("revoked", answer.Headers.WwwAuthenticate.ToString());
        Assert.True(latency < TimeSpan.FromSeconds(1), $"{latency.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task AccessToken_WithoutReadScope_Forbidden()
    {
        var token = await OAuth.ClientCredentialsAsync(deployment.IdentityA.CreateClient(), "posts.write");

        Assert.Equal(HttpStatusCode.Forbidden, (await _api.CreateClient(token).GetAsync("/notes")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.CreateClient().GetAsync("/notes")).StatusCode);
    }
}

/// <summary>
/// RedisJwt.Revocation packed into artifacts/packages (the folder feed of the sample's nuget.config), then the sample
/// restored and built from it, into a folder of its own. Packages are restored into that folder too: the machine's
/// package cache would keep serving the first 1.0.0 it saw, whatever the library has become since.
/// </summary>
public sealed class PackedThirdPartyApi : IAsyncLifetime
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"redisjwt-e2e-third-party-api-{Guid.NewGuid():N}");

    public string OutputFolder => Path.Combine(_scratch, "app");

    public async Task InitializeAsync()
    {
        // tests/EndToEnd.Tests/bin/<Configuration>/net10.0: build what the tests were built as.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        await DotnetAsync("pack", Repository.PathOf("src", "RedisJwt.Revocation"), "-c", configuration,
            "-o", Repository.PathOf("artifacts", "packages"));
        await DotnetAsync("build", Repository.PathOf("samples", "ThirdPartyApi"), "-c", configuration, "-o", OutputFolder,
            $"-p:RestorePackagesPath={Path.Combine(_scratch, "packages")}");
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_scratch))
        {
            Directory.Delete(_scratch, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static async Task DotnetAsync(params string[] arguments)
    {
        // No build servers: a node left running would hold this process's output pipes open, and linger after the tests.
        var start = new ProcessStartInfo("dotnet", [.. arguments, "--disable-build-servers", "-nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // What `dotnet test` set for its own MSBuild would steer this one.
        foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{stdout}\n{await stderr}");
    }
}
