using System.Diagnostics;
using System.Net.Sockets;

namespace RedisJwt.Testing;

/// <summary>
/// A private redis-server for one test that must stop and restart Redis (an outage), with append-only persistence
/// so that what was written before the outage is there after it, as in production. Also a replica or a Sentinel.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private static readonly string[] Persistence = ["--appendonly", "yes", "--save", ""];

    private readonly string _folder = Directory.CreateTempSubdirectory("redisjwt-test-redis-").FullName;
    private readonly Func<string, IEnumerable<string>> _role;
    private Process? _process;

    /// <summary>A primary.</summary>
    public RedisProcess()
        : this(_ => Persistence)
    {
    }

    private RedisProcess(Func<string, IEnumerable<string>> role) => _role = role;

    /// <summary>A replica of <paramref name="primary"/>.</summary>
    public static RedisProcess ReplicaOf(RedisProcess primary) =>
        new(_ => [.. Persistence, "--replicaof", "127.0.0.1", primary.Port.ToString()]);

    /// <summary>
    /// A Sentinel watching <paramref name="primary"/> as <paramref name="serviceName"/>, alone (quorum 1): it declares
    /// the primary down after a second without an answer and promotes a replica.
    /// </summary>
    public static RedisProcess SentinelOf(RedisProcess primary, string serviceName) => new(folder =>
    {
        // Sentinel insists on a configuration file it can rewrite.
        var configuration = Path.Combine(folder, "sentinel.conf");
        File.WriteAllText(configuration, $"""
            sentinel monitor {serviceName} 127.0.0.1 {primary.Port} 1
            sentinel down-after-milliseconds {serviceName} 1000
            sentinel failover-timeout {serviceName} 10000

            """);
        return [configuration, "--sentinel"];
    });

    public int Port { get; } = IdentityServerFactory.FreeLoopbackPort();

    /// <summary>Fails fast while Redis is down, so tests of an outage do not wait out default timeouts.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},connectTimeout=500,asyncTimeout=500,syncTimeout=500,connectRetry=1";

    public async Task StartAsync()
    {
        _process = Process.Start(new ProcessStartInfo("redis-server",
            [.. _role(_folder), "--bind", "127.0.0.1", "--port", Port.ToString(), "--dir", _folder])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();

        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"redis-server on port {Port} did not accept connections.");
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
