using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// The topology of docker-compose.yml on loopback: nginx (deploy/nginx/nginx.conf.template, TLS with the certificate
/// certs/generate-dev-certs.sh writes) balancing round robin over two IdentityServer and two BoardApi processes. The
/// issuer is nginx's https URL; the services trust X-Forwarded-* from 127.0.0.1 only, the address nginx connects from.
/// Tests are clients at other loopback addresses (127.0.0.2, ...), so that what a client claims in those headers can
/// be told apart from what nginx vouches for.
/// </summary>
public sealed class BalancedDeployment : Deployment
{
    /// <summary>Where the tests' clients connect from unless they say otherwise: not nginx's address, so never trusted.</summary>
    public static readonly IPAddress ClientAddress = IPAddress.Parse("127.0.0.2");

    private readonly string _folder = Directory.CreateTempSubdirectory("redisjwt-e2e-balanced-").FullName;
    private readonly int _identityPort = IdentityServerFactory.FreeLoopbackPort();
    private readonly int _boardPort = IdentityServerFactory.FreeLoopbackPort();
    private X509Certificate2? _authority;

    public NginxProcess Nginx { get; private set; } = null!;

    /// <summary>"localhost" rather than id.localhost: the services resolve the issuer's name, and only browsers know *.localhost.</summary>
    public override Uri Issuer => new($"https://localhost:{_identityPort}/");

    public Uri BoardApi => new($"https://localhost:{_boardPort}/");

    public ServiceProcess[] IdentityServers => [IdentityA, IdentityB];

    public ServiceProcess[] BoardApis => [BoardA, BoardB];

    protected override int FirstIdentityPort { get; } = IdentityServerFactory.FreeLoopbackPort();

    private string Certificates => Path.Combine(_folder, "certs");

    protected override IReadOnlyDictionary<string, string?> IdentitySettings => Proxied(new()
    {
        ["Server:AllowInsecureHttp"] = "false",
    });

    protected override IReadOnlyDictionary<string, string?> BoardSettings => Proxied(new()
    {
        ["Auth:AllowInsecureHttp"] = "false",
        // OpenSSL's variable, which .NET reads too: trust the development CA for discovery and JWKS at nginx.
        ["SSL_CERT_FILE"] = Path.Combine(Certificates, "tls-ca.crt"),
    });

    public override async Task InitializeAsync()
    {
        await GenerateCertificatesAsync();
        _authority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Certificates, "tls-ca.crt"));
        await base.InitializeAsync();
        Nginx = await NginxProcess.StartAsync(Path.Combine(_folder, "nginx"), new Dictionary<string, string>
        {
            ["NGINX_IDENTITYSERVER_LISTEN"] = $"127.0.0.1:{_identityPort}",
            ["NGINX_IDENTITYSERVER_HOST"] = Issuer.Authority,
            ["NGINX_IDENTITYSERVER_1"] = IdentityA.BaseAddress.Authority,
            ["NGINX_IDENTITYSERVER_2"] = IdentityB.BaseAddress.Authority,
            ["NGINX_BOARDAPI_LISTEN"] = $"127.0.0.1:{_boardPort}",
            ["NGINX_BOARDAPI_HOST"] = BoardApi.Authority,
            ["NGINX_BOARDAPI_1"] = BoardA.BaseAddress.Authority,
            ["NGINX_BOARDAPI_2"] = BoardB.BaseAddress.Authority,
            ["NGINX_TLS_CERTIFICATE"] = Path.Combine(Certificates, "tls.crt"),
            ["NGINX_TLS_CERTIFICATE_KEY"] = Path.Combine(Certificates, "tls.key"),
        }, _identityPort, _boardPort);

        // A fresh process answers its first OpenIddict request slowly (JIT, first use); BoardApi's first discovery fetch
        // must not be timed against that (Auth:IssuerRequestTimeout), so each IdentityServer answers it once first.
        using var client = CreateClient(Issuer);
        foreach (var _ in IdentityServers)
        {
            (await client.GetAsync("/.well-known/openid-configuration")).EnsureSuccessStatusCode();
        }
    }

    public override async Task DisposeAsync()
    {
        if (Nginx is not null)
        {
            await Nginx.DisposeAsync();
        }

        await base.DisposeAsync();
        _authority?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>
    /// A client of <paramref name="baseAddress"/> (nginx, or an instance straight) that connects from
    /// <paramref name="from"/> (default 127.0.0.2), trusts the development CA only, and shows every redirect.
    /// </summary>
    public HttpClient CreateClient(Uri baseAddress, CookieContainer? cookies = null, IPAddress? from = null) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { _authority! },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
            // Every name here is loopback; the socket is bound first so the server sees the chosen address.
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(from ?? ClientAddress, 0));
                    await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            BaseAddress = baseAddress,
        };

    /// <summary>Trust nginx's address, and log each request with its URL (Information), one line each.</summary>
    private static Dictionary<string, string?> Proxied(Dictionary<string, string?> settings)
    {
        settings["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        settings["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information";
        settings["Logging:Console:FormatterOptions:SingleLine"] = "true";
        return settings;
    }

    // The repository's own script, so the certificate nginx serves here is the one the compose demo serves.
    private async Task GenerateCertificatesAsync()
    {
        using var script = Process.Start(new ProcessStartInfo("bash", [Repository.PathOf("certs", "generate-dev-certs.sh"), Certificates])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("bash did not start.");
        var output = script.StandardOutput.ReadToEndAsync();
        var errors = await script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();
        Assert.True(script.ExitCode == 0, $"generate-dev-certs.sh exited with {script.ExitCode}: {await output}{errors}");
    }
}
