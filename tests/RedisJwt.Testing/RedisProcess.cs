using System.Diagnostics;
using System.Net.Sockets;

namespace RedisJwt.Testing;

/// <summary>
/// A private redis-server for one test that must stop and restart Redis (an outage), with append-only persistence
/// so that what was written before the outage is there after it, as in production. Also a replica or a Sentinel.
/// It has the users of deploy/redis/users.acl.template with test.sh's passwords, as the shared test Redis does: the
/// services connect as their own user (<see cref="ConnectionStringAs"/>), the test's own commands as the administrator.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private static readonly string[] Persistence = ["--appendonly", "yes", "--save", ""];

    private readonly string _folder = Directory.CreateTempSubdirectory("redisjwt-test-redis-").FullName;
    private readonly Func<string, IEnumerable<string>> _role;
    private readonly (string Certificate, string Key)? _tls;
    private readonly List<string> _refusals = [];
    private Process? _process;

    /// <summary>A primary.</summary>
    public RedisProcess()
        : this(folder => [.. Persistence, "--aclfile", RenderUsers(folder, "users.acl.template")])
    {
    }

    private RedisProcess(Func<string, IEnumerable<string>> role, (string Certificate, string Key)? tls = null) =>
        (_role, _tls) = (role, tls);

    /// <summary>
    /// A primary speaking TLS on <see cref="Port"/> with this certificate and key (PEM files), clients unauthenticated by
    /// certificate (they authenticate as users). The test's own administrator connection uses a plain port beside it.
    /// </summary>
    public static RedisProcess WithTls(string certificatePath, string keyPath) =>
        new(folder => ["--aclfile", RenderUsers(folder, "users.acl.template")], (certificatePath, keyPath));

    /// <summary>A replica of <paramref name="primary"/>, replicating as the administrator.</summary>
    public static RedisProcess ReplicaOf(RedisProcess primary) => new(folder =>
    [
        .. Persistence, "--aclfile", RenderUsers(folder, "users.acl.template"),
        "--replicaof", "127.0.0.1", primary.Port.ToString(), "--masterauth", TestServers.RedisPassword(TestServers.RedisAdminUser),
    ]);

    /// <summary>
    /// A Sentinel watching <paramref name="primary"/> as <paramref name="serviceName"/>, alone (quorum 1): it declares
    /// the primary down after a second without an answer and promotes a replica. It watches as the administrator, and
    /// knows the services' users (deploy/redis/sentinel-users.acl.template), since they authenticate to it too.
    /// </summary>
    public static RedisProcess SentinelOf(RedisProcess primary, string serviceName) => new(folder =>
    {
        // Sentinel insists on a configuration file it can rewrite.
        var configuration = Path.Combine(folder, "sentinel.conf");
        File.WriteAllText(configuration, $"""
            sentinel monitor {serviceName} 127.0.0.1 {primary.Port} 1
            sentinel down-after-milliseconds {serviceName} 1000
            sentinel failover-timeout {serviceName} 10000
            sentinel auth-pass {serviceName} {TestServers.RedisPassword(TestServers.RedisAdminUser)}
            {File.ReadAllText(RenderUsers(folder, "sentinel-users.acl.template"))}
            """);
        return [configuration, "--sentinel"];
    });

    public int Port { get; } = IdentityServerFactory.FreeLoopbackPort();

    private int PlainPort { get; } = IdentityServerFactory.FreeLoopbackPort();

    /// <summary>The service's own user. Fails fast while Redis is down, so tests of an outage do not wait out default timeouts.</summary>
    public string ConnectionStringAs(Service service) => TestServers.WithUser(AdminConnectionString, service);

    /// <summary>The administrator, for the test's own commands (assertions, CLIENT PAUSE, WAIT).</summary>
    public string AdminConnectionString =>
        $"127.0.0.1:{(_tls is null ? Port : PlainPort)},user={TestServers.RedisAdminUser},password={TestServers.RedisPassword(TestServers.RedisAdminUser)},"
        + "connectTimeout=500,asyncTimeout=500,syncTimeout=500,connectRetry=1";

    public async Task StartAsync()
    {
        string[] ports = _tls is var (certificate, key)
            ?
            [
                "--port", PlainPort.ToString(), "--tls-port", Port.ToString(), "--tls-cert-file", certificate, "--tls-key-file", key,
                "--tls-auth-clients", "no",
            ]
            : ["--port", Port.ToString()];
        _process = Process.Start(new ProcessStartInfo("redis-server", [.. _role(_folder), "--bind", "127.0.0.1", .. ports, "--dir", _folder])
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

    /// <summary>Kills the server (an outage), noting first what it refused its users, for <see cref="DisposeAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            try
            {
                _refusals.AddRange(await AclRefusals.ReadAsync(_tls is null ? Port : PlainPort));
            }
            catch (InvalidOperationException exception)
            {
                // Still stopped: a server left running would outlive the test run.
                _refusals.Add($"(its ACL LOG could not be read: {exception.Message})");
            }

            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>
    /// Stops the server, then fails if it refused its users anything (ACL LOG), as test.sh checks the shared servers:
    /// a service swallows some refusals, so a right missing from the users would otherwise go unnoticed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_folder, recursive: true);
        Assert.True(_refusals.Count == 0, $"The Redis on port {Port} refused:\n{string.Join("\n", _refusals)}");
    }

    /// <summary>Disposes every one, even when one fails its check, then fails with the first failure.</summary>
    public static async Task DisposeAllAsync(params RedisProcess[] servers)
    {
        var failures = new List<Exception>();
        foreach (var server in servers)
        {
            try
            {
                await server.DisposeAsync();
            }
            catch (Exception exception)
            {
                failures.Add(exception);
            }
        }

        if (failures.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures[0]);
        }
    }

    // The deployment's own renderer, with the prefix glob and passwords test.sh exported: the same users, one source.
    private static string RenderUsers(string folder, string template)
    {
        var file = Path.Combine(folder, Path.GetFileNameWithoutExtension(template));
        var render = Process.Start(new ProcessStartInfo(Repository.PathOf("deploy", "redis", "render-users-acl.sh"),
            [Repository.PathOf("deploy", "redis", template)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = render.StandardOutput.ReadToEnd();
        var errors = render.StandardError.ReadToEnd();
        render.WaitForExit();
        if (render.ExitCode != 0)
        {
            throw new InvalidOperationException($"render-users-acl.sh failed ({render.ExitCode}): {errors}");
        }

        File.WriteAllText(file, output);
        return file;
    }
}
