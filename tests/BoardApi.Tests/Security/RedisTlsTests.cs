using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.BoardApi.Tests.Security;

/// <summary>
/// Review finding 3 (issue 17), TLS. Redis over TLS through the connection string (ssl=true, sslHost=) with a private CA the system does not trust
/// (Redis:TrustedCaCertificatePath): a real redis-server with certificates made here, BoardApi connecting as its user.
/// A server whose certificate that CA did not sign, or which names another host, is refused.
/// </summary>
public sealed class RedisTlsTests : IAsyncLifetime
{
    private const string ServerName = "redis.test";

    private readonly string _folder = Directory.CreateTempSubdirectory("redisjwt-test-tls-").FullName;
    private RedisProcess _trusted = null!;
    private RedisProcess _foreign = null!;

    private string TrustedCa => Path.Combine(_folder, "ca.crt");

    public async Task InitializeAsync()
    {
        using var ca = CreateCa("RedisJwt test Redis CA");
        using var foreignCa = CreateCa("Someone else's CA");
        await File.WriteAllTextAsync(TrustedCa, ca.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_folder, "foreign-ca.crt"), foreignCa.ExportCertificatePem());
        var trusted = WriteServerCertificate("trusted", ca);
        var foreign = WriteServerCertificate("foreign", foreignCa);
        _trusted = RedisProcess.WithTls(trusted.Certificate, trusted.Key);
        _foreign = RedisProcess.WithTls(foreign.Certificate, foreign.Key);
        await _trusted.StartAsync();
        await _foreign.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await RedisProcess.DisposeAllAsync(_foreign, _trusted);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ServerSignedByTheTrustedCa_ServiceConnectsOverTlsAsItsUser()
    {
        await using var board = Board(_trusted.Port, ServerName);

        Assert.Equal(HttpStatusCode.OK, (await board.CreateClient(accessToken: null).GetAsync("/health/ready")).StatusCode);
        var redis = board.Services.GetRequiredService<IConnectionMultiplexer>();
        Assert.True(redis.IsConnected);
        Assert.True(await redis.GetDatabase().PingAsync() > TimeSpan.Zero);
    }

    [Fact]
    public async Task ServerSignedByAnotherCa_Refused()
    {
        await using var board = Board(_foreign.Port, ServerName);

        Assert.False(board.Services.GetRequiredService<IConnectionMultiplexer>().IsConnected);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await board.CreateClient(accessToken: null).GetAsync("/health/ready")).StatusCode);
        // The control: that server itself is fine, for a client that trusts its CA.
        var trustingItsCa = ConfigurationOptions.Parse(
            TestServers.WithAdmin($"127.0.0.1:{_foreign.Port},ssl=true,sslHost={ServerName},connectTimeout=5000"));
        trustingItsCa.TrustIssuer(Path.Combine(_folder, "foreign-ca.crt"));
        await using var admin = await ConnectionMultiplexer.ConnectAsync(trustingItsCa);
        Assert.True(admin.IsConnected);
    }

    [Fact]
    public async Task TrustedCaButAnotherServerName_Refused()
    {
        await using var board = Board(_trusted.Port, "elsewhere.test");

        Assert.False(board.Services.GetRequiredService<IConnectionMultiplexer>().IsConnected);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await board.CreateClient(accessToken: null).GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task TrustedCaWithoutTls_RefusesToStart_NamingBothSettings()
    {
        await using var board = new BoardApiFactory(new Uri("http://127.0.0.1:1/"), overrides: new Dictionary<string, string?>
        {
            ["Redis:TrustedCaCertificatePath"] = TrustedCa,
        });

        var error = Assert.ThrowsAny<Exception>(() => board.Server).ToString();

        Assert.Contains("Redis:TrustedCaCertificatePath is set, but ConnectionStrings:Redis does not use TLS: add ssl=true", error);
    }

    [Fact]
    public async Task TrustedCaNotACertificate_RefusesToStart_NamingTheSetting()
    {
        var notACertificate = Path.Combine(_folder, "ca.key.txt");
        await File.WriteAllTextAsync(notACertificate, "not a certificate");
        await using var board = new BoardApiFactory(new Uri("http://127.0.0.1:1/"), overrides: new Dictionary<string, string?>
        {
            ["Redis:TrustedCaCertificatePath"] = notACertificate,
        });

        var error = Assert.ThrowsAny<Exception>(() => board.Server).ToString();

        Assert.Contains($"Redis:TrustedCaCertificatePath: '{notACertificate}' is not a certificate", error);
    }

    // BoardApi on a TLS Redis as its own user, trusting the test CA; short timeouts, since two cases expect no connection.
    private BoardApiFactory Board(int port, string serverName)
    {
        var board = new BoardApiFactory(new Uri("http://127.0.0.1:1/"), overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestServers.WithUser(
                $"127.0.0.1:{port},ssl=true,sslHost={serverName},connectTimeout=2000,connectRetry=1", Service.BoardApi),
            ["Redis:TrustedCaCertificatePath"] = TrustedCa,
        });
        board.StartServer();
        return board;
    }

    // With its private key, which signs the server certificates.
    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
    }

    // A server certificate for ServerName signed by the CA, as the PEM files redis-server reads.
    private (string Certificate, string Key) WriteServerCertificate(string name, X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={ServerName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(ServerName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        // Within the CA's validity: its end was cut to whole seconds, so "now + 7 days" taken a moment later can pass it.
        using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), ca.NotAfter.AddDays(-1),
            RandomNumberGenerator.GetBytes(16));
        var (certificatePath, keyPath) = (Path.Combine(_folder, $"{name}.crt"), Path.Combine(_folder, $"{name}.key"));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }
}
