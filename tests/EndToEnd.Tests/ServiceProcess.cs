using System.Diagnostics;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// One service running as its own process (`dotnet X.dll` from its build output), as in a deployment: its own memory,
/// its own caches, sharing only PostgreSQL and Redis with the others.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly OutputTail _output;

    private ServiceProcess(string project, string folder, int port, IReadOnlyDictionary<string, string?> settings)
    {
        Name = $"{project}:{port}";
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(folder, $"{project}.dll")])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = BaseAddress.AbsoluteUri.TrimEnd('/');
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__")] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"{Name} did not start.");
        _output = OutputTail.Of(_process);
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    /// <summary>The last lines the process wrote: its logs, for failure messages and to see which requests it served.</summary>
    public string Output => _output.Text;

    public static Task<ServiceProcess> StartAsync(string project, int port, IReadOnlyDictionary<string, string?> settings) =>
        StartAsync(project, OutputFolder(project), port, settings);

    /// <summary>A program built elsewhere than src/ (a sample built from packages): <paramref name="folder"/> holds its dll.</summary>
    public static async Task<ServiceProcess> StartAsync(string project, string folder, int port, IReadOnlyDictionary<string, string?> settings)
    {
        var service = new ServiceProcess(project, folder, port, settings);
        await service.WaitUntilReadyAsync();
        return service;
    }

    public HttpClient CreateClient(string? bearer = null)
    {
        var client = LoopbackHttp.Client(BaseAddress);
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = CreateClient();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await client.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} was not ready after 60 s:\n{Output}");
    }

    // tests/EndToEnd.Tests/bin/<Configuration>/net10.0 → src/<project>/bin/<Configuration>/net10.0
    private static string OutputFolder(string project)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var folder = Repository.PathOf("src", project, "bin", here.Parent!.Name, here.Name);
        return File.Exists(Path.Combine(folder, $"{project}.dll"))
            ? folder
            : throw new InvalidOperationException($"{project} is not built in {folder}: build the solution first.");
    }
}
