using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// nginx as the load balancer, configured from deploy/nginx/nginx.conf.template, the template docker-compose.yml and
/// scripts/scaled-out.sh use, rendered as envsubst renders it. It runs from a folder of its own (-p: the pid and
/// temporary files are there), unprivileged, never as the system's service.
/// </summary>
public sealed partial class NginxProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly OutputTail _output;

    private NginxProcess(Process process)
    {
        _process = process;
        _output = OutputTail.Of(process);
    }

    public static string Template => Repository.PathOf("deploy", "nginx", "nginx.conf.template");

    /// <summary>Its error log and access log (with the instance that served each request).</summary>
    public string Output => _output.Text;

    /// <summary>Starts nginx in <paramref name="folder"/> and waits until it accepts connections on every port in <paramref name="ports"/>.</summary>
    public static async Task<NginxProcess> StartAsync(string folder, IReadOnlyDictionary<string, string> variables, params int[] ports)
    {
        Directory.CreateDirectory(folder);
        // Started as root, nginx runs its workers as "nobody", who must pass through to their temporary files here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        var configuration = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(configuration, Render(await File.ReadAllTextAsync(Template), variables));

        var start = new ProcessStartInfo(Executable(), ["-p", folder + "/", "-c", configuration, "-e", "stderr"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var nginx = new NginxProcess(Process.Start(start) ?? throw new InvalidOperationException("nginx did not start."));
        await nginx.WaitUntilListeningAsync(ports);
        return nginx;
    }

    /// <summary>Each ${NAME} replaced by its value, as `envsubst '${NAME} ...'` does; one without a value is an error.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> variables) =>
        Variable().Replace(template, match => variables.TryGetValue(match.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"{Template} uses ${{{match.Groups[1].Value}}}, which has no value here."));

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // The workers too: they outlive a master killed alone.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"\$\{([A-Z0-9_]+)\}")]
    private static partial Regex Variable();

    // Debian installs it in /usr/sbin, which is not on an unprivileged user's PATH.
    private static string Executable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "nginx"))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("nginx is not installed (test.sh installs it: ensure_packages nginx).");

    private async Task WaitUntilListeningAsync(int[] ports)
    {
        var clock = Stopwatch.StartNew();
        foreach (var port in ports)
        {
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"nginx exited with {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    await Task.Delay(50);
                }
            }
        }
    }
}
