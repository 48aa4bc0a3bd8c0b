using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer;
using RedisJwt.IdentityServer.Data;
using StackExchange.Redis;

namespace RedisJwt.Testing;

/// <summary>
/// The real IdentityServer on the test host, with its own PostgreSQL database and Redis key prefix per instance
/// (one per test class through IClassFixture). Runs as Development, so the demo clients and user are seeded
/// exactly as `./run.sh` seeds them. In memory by default; on a loopback port (<see cref="OnLoopback"/>) when another
/// service must reach it over HTTP, as a resource server reads discovery and JWKS.
/// </summary>
public sealed class IdentityServerFactory : ServiceFactory<IdentityServerMarker>, IAsyncLifetime
{
    public const string DefaultIssuer = "http://localhost/";
    public const string SpaClientId = "board-spa";
    /// <summary>The SPA's origin, the one cross-origin caller the test servers allow (Cors:AllowedOrigins).</summary>
    public const string SpaOrigin = "http://127.0.0.1:5173";
    public const string SpaRedirectUri = "http://127.0.0.1:5173/callback";
    public const string SpaPostLogoutRedirectUri = "http://127.0.0.1:5173/";
    public const string ThirdPartyClientId = "third-party-demo";
    public const string ThirdPartyRedirectUri = "http://127.0.0.1:5003/signin-oidc";
    public const string ThirdPartySecret = "test-third-party-secret";
    public const string BoardApiClientId = "board-api";
    /// <summary>
    /// BoardApi's resource identifier (RFC 8707), the aud of its tokens: what the posts scopes grant and BoardApi's
    /// Auth:Audience, as in Development (run.sh's BoardApi URL). Not the client id above, which is BoardApi as a client.
    /// </summary>
    public const string BoardApiResource = "http://127.0.0.1:5002/";
    public const string BoardApiSecret = "test-board-api-secret";
    /// <summary>The seeded machine client allowed the admin scope (client administration).</summary>
    public const string AdminAutomationClientId = "admin-automation";
    public const string AdminAutomationSecret = "test-admin-automation-secret";
    public const string AdminConsoleClientId = "admin-console";
    public const string AdminConsoleRedirectUri = "http://127.0.0.1:5010/callback";
    public const string DemoEmail = "demo@redisjwt.local";
    public const string DemoPassword = "Demo!Passw0rd";

    private bool _onLoopback;
    private ConnectionMultiplexer? _adminRedis;

    public IdentityServerFactory()
        : this(NewDatabaseName(), NewRedisPrefix(), overrides: null)
    {
    }

    /// <summary>A server with settings of its own, e.g. a second instance or a restart on the same database.</summary>
    public static IdentityServerFactory Create(string databaseName, string redisPrefix,
        IDictionary<string, string?>? overrides = null, string environment = "Development") =>
        new(databaseName, redisPrefix, overrides, environment);

    /// <summary>
    /// A server listening on 127.0.0.1:<paramref name="port"/> with the issuer http://127.0.0.1:port/. Reusing the
    /// port, database and prefix of a disposed instance restarts "the same" server, e.g. with a new signing key.
    /// </summary>
    public static IdentityServerFactory OnLoopback(int port, string? databaseName = null, string? redisPrefix = null,
        IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>(overrides ?? new Dictionary<string, string?>());
        settings.TryAdd("Server:Issuer", $"http://127.0.0.1:{port}/");
        var factory = new IdentityServerFactory(databaseName ?? NewDatabaseName(), redisPrefix ?? NewRedisPrefix(), settings);
        factory.UseKestrel(port);
        factory._onLoopback = true;
        return factory;
    }

    private IdentityServerFactory(string databaseName, string redisPrefix, IDictionary<string, string?>? overrides,
        string environment = "Development")
        : base(Service.IdentityServer, databaseName, redisPrefix, ServerSettings(redisPrefix), overrides, environment)
    {
    }

    private static Dictionary<string, string?> ServerSettings(string redisPrefix) => new(TestCertificates.Settings)
    {
        ["Server:Issuer"] = DefaultIssuer,
        ["Server:AllowInsecureHttp"] = "true",
        ["Cors:AllowedOrigins:0"] = SpaOrigin,
        ["Seed:Clients:third-party-demo:Secret"] = ThirdPartySecret,
        ["Seed:Clients:board-api:Secret"] = BoardApiSecret,
        ["Seed:Clients:admin-automation:Secret"] = AdminAutomationSecret,
        // Development has these; the tests of other environments need them too.
        ["Seed:ApiScopes:posts.read:Resource"] = BoardApiResource,
        ["Seed:ApiScopes:posts.write:Resource"] = BoardApiResource,
        // A first-party admin console users sign in to (the admin scope is for configured clients only).
        [$"Seed:Clients:{AdminConsoleClientId}:Type"] = "public",
        [$"Seed:Clients:{AdminConsoleClientId}:ConsentType"] = "implicit",
        [$"Seed:Clients:{AdminConsoleClientId}:GrantTypes:0"] = "authorization_code",
        [$"Seed:Clients:{AdminConsoleClientId}:RedirectUris:0"] = AdminConsoleRedirectUri,
        [$"Seed:Clients:{AdminConsoleClientId}:Scopes:0"] = "openid",
        [$"Seed:Clients:{AdminConsoleClientId}:Scopes:1"] = "admin",
        // Out of the way of tests about something else; rate-limit tests set small ones.
        ["RateLimits:Policies:sign-in-per-account:PermitLimit"] = "100000",
        ["RateLimits:Policies:sign-in-per-ip:PermitLimit"] = "100000",
        ["RateLimits:Policies:registrations-per-ip:PermitLimit"] = "100000",
        ["RateLimits:Policies:token-requests-per-client:PermitLimit"] = "100000",
        ["RateLimits:Policies:client-auth-per-ip:PermitLimit"] = "100000",
        ["RateLimits:Policies:client-auth-per-client-ip:PermitLimit"] = "100000",
        ["RateLimits:Policies:revocations-per-client:PermitLimit"] = "100000",
        ["RateLimits:Policies:client-registrations-per-ip:PermitLimit"] = "100000",
        // Every channel to the development provider, which writes here (one folder per server), in any environment.
        ["Messages:Providers:Email"] = "folder",
        ["Messages:Providers:Sms"] = "folder",
        ["Messages:Folder:Path"] = Path.Combine(Path.GetTempPath(), "redisjwt-messages", redisPrefix.Replace(':', '-')),
    };

    /// <summary>Also the base address of every client this factory creates.</summary>
    public Uri Issuer => new(Settings["Server:Issuer"]!);

    /// <summary>The account API's resource identifier (the /auth endpoints): {issuer}auth.</summary>
    public string AccountResource => Issuer.AbsoluteUri + "auth";

    /// <summary>The admin API's resource identifier (/admin/clients): {issuer}admin.</summary>
    public string AdminResource => Issuer.AbsoluteUri + "admin";

    public static string NewDatabaseName() => $"ids_test_{Guid.NewGuid():N}";

    public static string NewRedisPrefix() => $"test:{Guid.NewGuid():N}:";

    /// <summary>A TCP port nobody listens on right now.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Where the development message provider of this server writes the messages it "sends".</summary>
    public string MessagesFolder => Settings["Messages:Folder:Path"]!;

    public Browser CreateBrowser() => new(CreateServerClient(handleCookies: true));

    /// <summary>A plain client of the server (no cookies, no redirects followed), as an API client is.</summary>
    public HttpClient CreateApiClient() => CreateServerClient(handleCookies: false);

    private HttpClient CreateServerClient(bool handleCookies)
    {
        if (!_onLoopback)
        {
            return CreateClient(new WebApplicationFactoryClientOptions
            {
                AllowAutoRedirect = false,
                HandleCookies = handleCookies,
                BaseAddress = Issuer,
            });
        }

        // Over a real socket the factory's clients follow redirects themselves; tests must see each one.
        return LoopbackHttp.Client(Issuer, handleCookies ? new CookieContainer() : null);
    }

    public async Task<ApplicationUser> CreateUserAsync(string password = "Str0ng!Password", params string[] roles)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var roleManager = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var email = $"user-{Guid.NewGuid():N}@example.test";
        var user = new ApplicationUser
        {
            UserName = email,
            Email = email,
            DisplayName = "Test User",
            BirthDate = new DateOnly(1991, 2, 3),
        };
        AssertSucceeded(await users.CreateAsync(user, password));
        foreach (var role in roles)
        {
            if (!await roleManager.RoleExistsAsync(role))
            {
                AssertSucceeded(await roleManager.CreateAsync(new IdentityRole(role)));
            }
        }

        if (roles.Length > 0)
        {
            AssertSucceeded(await users.AddToRolesAsync(user, roles));
        }

        return user;
    }

    /// <summary>
    /// The server's Redis as the admin user, for a test's own reads: the server's connection has only the server's
    /// rights, which a test must not need widened.
    /// </summary>
    public IConnectionMultiplexer AdminRedis => _adminRedis ??=
        ConnectionMultiplexer.Connect(TestServers.WithAdmin(Settings["ConnectionStrings:Redis"]!));

    /// <summary>Whether resource servers were told: the family (aid) of this access token is revoked in Redis.</summary>
    public Task<bool> FamilyRevokedInRedisAsync(string accessToken) =>
        AdminRedis.GetDatabase().KeyExistsAsync(
            Services.GetRequiredService<RedisJwt.ServiceDefaults.RedisKeys>().Revoked(RedisJwt.Revocation.Revoked.Family(
                new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(accessToken).GetClaim(RedisJwt.Revocation.TokenFacts.FamilyClaim).Value,
                default)));

    public async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    // Starting the host migrates the fresh database and seeds it.
    public Task InitializeAsync()
    {
        StartServer();
        return Task.CompletedTask;
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_adminRedis is not null)
        {
            await _adminRedis.DisposeAsync();
        }
    }

    public static Task DropDatabaseAsync(string databaseName) => TestDatabases.DropAsync(databaseName);

    private static void AssertSucceeded(IdentityResult result) =>
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(error => error.Description)));
}
