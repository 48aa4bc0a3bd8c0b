using System.Diagnostics;
using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// Redis behind Sentinel (a primary, its replica, one Sentinel), reached by the services through the Sentinel only.
/// The primary dies; Sentinel promotes the replica; both services follow it without a restart. A revocation made
/// before the failover is still enforced after it (it was replicated), and one made after reaches BoardApi.
/// </summary>
public sealed class SentinelFailoverTests : IAsyncLifetime
{
    private const string ServiceName = "redisjwt";

    private readonly ITestOutputHelper _output;
    private readonly RedisProcess _primary = new();
    private readonly RedisProcess _replica;
    private readonly RedisProcess _sentinel;
    private IdentityServerFactory _identity = null!;
    private BoardApiFactory _board = null!;

    public SentinelFailoverTests(ITestOutputHelper output)
    {
        _output = output;
        _replica = RedisProcess.ReplicaOf(_primary);
        _sentinel = RedisProcess.SentinelOf(_primary, ServiceName);
    }

    // Each service as its own user, on the Sentinel and on the primary and replica it names.
    private string ConnectionString(Service service) => TestServers.WithUser(
        $"127.0.0.1:{_sentinel.Port},serviceName={ServiceName},connectTimeout=2000,asyncTimeout=2000,syncTimeout=2000", service);

    private string Admin(int port) => TestServers.WithAdmin($"127.0.0.1:{port}");

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // xunit does not dispose what failed to initialize: the redis-servers would outlive the test run.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        await _primary.StartAsync();
        await _replica.StartAsync();
        await _sentinel.StartAsync();
        // Sentinel can only promote a replica it knows of (it learns them from the primary's INFO).
        await using (var sentinel = await ConnectionMultiplexer.SentinelConnectAsync(Admin(_sentinel.Port)))
        {
            var server = sentinel.GetServer("127.0.0.1", _sentinel.Port);
            await Eventually.TrueAsync(async () => (await server.SentinelReplicasAsync(ServiceName)).Length == 1, TimeSpan.FromSeconds(20));
        }

        _identity = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(),
            overrides: new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = ConnectionString(Service.IdentityServer) });
        await _identity.InitializeAsync();
        _board = new BoardApiFactory(_identity.Issuer, redisPrefix: _identity.RedisPrefix,
            overrides: new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = ConnectionString(Service.BoardApi) });
        _board.StartServer();
    }

    public async Task DisposeAsync()
    {
        // Null when the start failed before them.
        if (_board is not null)
        {
            await _board.DisposeAsync();
        }

        if (_identity is not null)
        {
            await _identity.DisposeAsync();
        }

        await RedisProcess.DisposeAllAsync(_sentinel, _replica, _primary);
    }

    [Fact]
    public async Task PrimaryDies_ServicesFollowThePromotedReplica_NoRevocationLost()
    {
        var revokedBefore = await Tokens.SignInNewUserAsync(_identity, Tokens.UserScopes);
        var revokedAfter = await Tokens.SignInNewUserAsync(_identity, Tokens.UserScopes);
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(_identity.CreateApiClient(), revokedBefore.AccessToken)).Status);
        await Eventually.TrueAsync(async () => await StatusAsync(revokedBefore) == HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(revokedAfter));
        // Replication is asynchronous: what the primary acknowledged in its last instant could be lost with it.
        await using (var primary = await ConnectionMultiplexer.ConnectAsync($"{Admin(_primary.Port)},asyncTimeout=15000"))
        {
            Assert.Equal(1, (long)await primary.GetDatabase().ExecuteAsync("WAIT", 1, 10000));
        }

        await _primary.StopAsync();
        var failover = Stopwatch.StartNew();

        // Sentinel promotes the replica within seconds; meanwhile the IdentityServer answers temporarily_unavailable,
        // which a client retries.
        await Eventually.TrueAsync(async () =>
            (await OAuth.RevokeAsSpaAsync(_identity.CreateApiClient(), revokedAfter.AccessToken)).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60));
        var recorded = failover.Elapsed;
        await Eventually.TrueAsync(async () => await StatusAsync(revokedAfter) == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30));
        _output.WriteLine($"primary killed; a revocation recorded again after {recorded.TotalSeconds:F1} s, "
            + $"enforced by BoardApi after {failover.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(revokedBefore));
        var stillValid = await Tokens.SignInNewUserAsync(_identity, Tokens.UserScopes);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(stillValid));
    }

    // GET of an unknown post: 404 proves the token was accepted, without touching the post-list cache.
    private async Task<HttpStatusCode> StatusAsync(SignedInUser user) =>
        (await _board.CreateClient(user.AccessToken).GetAsync($"/posts/{Guid.NewGuid()}")).StatusCode;
}
