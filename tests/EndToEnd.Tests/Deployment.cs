using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// Two IdentityServer and two BoardApi processes on their own ports, sharing one PostgreSQL server (a database per
/// service) and one Redis (a key prefix per deployment), as behind a load balancer. Both IdentityServers carry the
/// same issuer, the first one's URL, which is where BoardApi reads discovery.
/// </summary>
public class Deployment : IAsyncLifetime
{
    private readonly string _identityDb = $"e2e_ids_{Guid.NewGuid():N}";
    private readonly string _boardDb = $"e2e_board_{Guid.NewGuid():N}";
    private readonly string _prefix = IdentityServerFactory.NewRedisPrefix();
    private readonly List<ServiceProcess> _started = [];

    public ServiceProcess IdentityA { get; private set; } = null!;

    public ServiceProcess IdentityB { get; private set; } = null!;

    public ServiceProcess BoardA { get; private set; } = null!;

    public ServiceProcess BoardB { get; private set; } = null!;

    /// <summary>The Redis:KeyPrefix every process of this deployment shares.</summary>
    public string RedisPrefix => _prefix;

    public virtual Uri Issuer { get; } = new($"http://127.0.0.1:{IdentityServerFactory.FreeLoopbackPort()}/");

    /// <summary>The first IdentityServer's port: the issuer's, unless a load balancer stands in front.</summary>
    protected virtual int FirstIdentityPort => Issuer.Port;

    /// <summary>Where the IdentityServers' development provider writes messages (the folder provider), when in use.</summary>
    public string MessagesFolder { get; } = Path.Combine(Path.GetTempPath(), $"redisjwt-e2e-messages-{Guid.NewGuid():N}");

    /// <summary>The Redis every process uses, as the service's own user; a test of an outage supplies its own.</summary>
    protected virtual string RedisConnection(Service service) => TestServers.RedisAs(service);

    protected virtual IReadOnlyDictionary<string, string?> BoardSettings => new Dictionary<string, string?>();

    protected virtual IReadOnlyDictionary<string, string?> IdentitySettings => new Dictionary<string, string?>();

    /// <summary>False where one process of each service is enough (the samples): IdentityB and BoardB stay null.</summary>
    protected virtual bool SecondInstances => true;

    public virtual async Task InitializeAsync()
    {
        // One at a time per service: the first creates and migrates the database, the second finds it done.
        IdentityA = await StartIdentityAsync(FirstIdentityPort);
        if (!SecondInstances)
        {
            BoardA = await StartBoardAsync();
            return;
        }

        var identityB = StartIdentityAsync(IdentityServerFactory.FreeLoopbackPort());
        BoardA = await StartBoardAsync();
        var boardB = StartBoardAsync();
        (IdentityB, BoardB) = (await identityB, await boardB);
    }

    public async Task<ServiceProcess> StartBoardAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:BoardDb"] = Database(Service.BoardApi, _boardDb),
            ["ConnectionStrings:Redis"] = RedisConnection(Service.BoardApi),
            ["Redis:KeyPrefix"] = _prefix,
            ["Auth:Issuer"] = Issuer.AbsoluteUri,
            ["Auth:AllowInsecureHttp"] = "true",
            // Polling tests send hundreds of requests as one caller; rate limits are tested in BoardApi.Tests.
            ["RateLimits:Policies:board-writes:PermitLimit"] = "100000",
            ["RateLimits:Policies:board-reads:PermitLimit"] = "100000",
        };
        foreach (var (key, value) in BoardSettings)
        {
            settings[key] = value;
        }

        return Track(await ServiceProcess.StartAsync("BoardApi", IdentityServerFactory.FreeLoopbackPort(), settings));
    }

    /// <summary>
    /// A browser on <paramref name="identity"/>. Browsers sharing <paramref name="cookies"/> are one user agent:
    /// cookies ignore ports, so a sign-in at one instance is sent to the other, as behind a load balancer.
    /// </summary>
    public static Browser BrowserOn(ServiceProcess identity, System.Net.CookieContainer? cookies = null) =>
        new(LoopbackHttp.Client(identity.BaseAddress, cookies ?? new System.Net.CookieContainer()));

    /// <summary>A new user through the registration page, then an SPA sign-in (code + PKCE) at <paramref name="identity"/>.</summary>
    public static async Task<(string Email, SignedInSpa Session)> RegisterAndSignInAsync(ServiceProcess identity)
    {
        var email = $"e2e-{Guid.NewGuid():N}@example.test";
        var browser = BrowserOn(identity);
        var form = await browser.NavigateAsync("/Account/Register");
        var registered = await browser.SubmitAsync(form, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
            ["Input.DisplayName"] = "E2E User",
            ["Input.BirthDate"] = "1990-01-01",
        });
        Assert.True(registered.Document?.QuerySelector("form input[name='Input.ConfirmPassword']") is null, registered.Body);
        return (email, await SignInAgainAsync(identity, email));
    }

    public static Task<SignedInSpa> SignInAgainAsync(ServiceProcess identity, string email, System.Net.CookieContainer? cookies = null) =>
        SignedInSpa.StartAsync(BrowserOn(identity, cookies), "openid profile roles offline_access posts.read posts.write", email, Password);

    public const string Password = "Str0ng!Password";

    public virtual async Task DisposeAsync()
    {
        foreach (var service in _started)
        {
            await service.DisposeAsync();
        }

        await IdentityServerFactory.DropDatabaseAsync(_identityDb);
        await IdentityServerFactory.DropDatabaseAsync(_boardDb);
        if (Directory.Exists(MessagesFolder))
        {
            Directory.Delete(MessagesFolder, recursive: true);
        }
    }

    private async Task<ServiceProcess> StartIdentityAsync(int port)
    {
        var settings = new Dictionary<string, string?>(TestCertificates.Settings)
        {
            ["ConnectionStrings:IdentityDb"] = Database(Service.IdentityServer, _identityDb),
            ["ConnectionStrings:Redis"] = RedisConnection(Service.IdentityServer),
            ["Redis:KeyPrefix"] = _prefix,
            ["Server:Issuer"] = Issuer.AbsoluteUri,
            ["Server:AllowInsecureHttp"] = "true",
            ["Seed:Clients:third-party-demo:Secret"] = IdentityServerFactory.ThirdPartySecret,
            ["Seed:Clients:board-api:Secret"] = IdentityServerFactory.BoardApiSecret,
            // samples/MachineClient authenticates with its key (private_key_jwt), not the secret of appsettings.Development.json.
            ["Seed:Clients:reporting-service:Secret"] = "",
            ["Seed:Clients:reporting-service:TokenEndpointAuthMethod"] = "private_key_jwt",
            ["Seed:Clients:reporting-service:Jwks"] = ReportingKey.Registered.Jwks,
            ["Messages:Folder:Path"] = MessagesFolder,
        };
        foreach (var (key, value) in IdentitySettings)
        {
            settings[key] = value;
        }

        return Track(await ServiceProcess.StartAsync("IdentityServer", port, settings));
    }

    private ServiceProcess Track(ServiceProcess service)
    {
        lock (_started)
        {
            _started.Add(service);
        }

        return service;
    }

    // Made by the superuser, owned by the service's role, as an operator makes it.
    private static string Database(Service service, string name)
    {
        TestDatabases.Create(name, service);
        return TestServers.Postgres(service, name);
    }
}
