using System.Diagnostics;
using System.Net.Sockets;

namespace RedisJwt.Testing;

/// <summary>
/// A private redis-server for one test that must stop and restart Redis (an outage), with append-only persistence
/// so that what was written before the outage is there after it, as in production.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("redisjwt-test-redis-").FullName;
    private Process? _process;

    public int Port { get; } = IdentityServerFactory.FreeLoopbackPort();

    /// <summary>Fails fast while Redis is down, so tests of an outage do not wait out default timeouts.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},connectTimeout=500,asyncTimeout=500,syncTimeout=500,connectRetry=1";

    public async Task StartAsync()
    {
        _process = Process.Start(new ProcessStartInfo("redis-server",
            ["--bind", "127.0.0.1", "--port", Port.ToString(), "--dir", _folder, "--appendonly", "yes", "--save", ""])
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
