using System.Diagnostics;
using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>The four processes on a Redis of their own, which the test stops and starts again.</summary>
public sealed class OutageDeployment : Deployment
{
    public RedisProcess Redis { get; } = new();

    protected override string RedisConnection(Service service) => Redis.ConnectionStringAs(service);

    protected override IReadOnlyDictionary<string, string?> BoardSettings => new Dictionary<string, string?>
    {
        ["Revocation:DegradedWindow"] = RedisOutageAcrossProcessesTests.DegradedWindow.ToString(),
    };

    public override async Task InitializeAsync()
    {
        await Redis.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

/// <summary>
/// Redis stops under the running deployment: both BoardApi processes go on with what they knew for the degraded
/// window, then fail closed; the IdentityServers refuse revocations; after Redis returns, everything
/// recovers and no revocation made before the outage is forgotten.
/// </summary>
public sealed class RedisOutageAcrossProcessesTests(OutageDeployment deployment) : IClassFixture<OutageDeployment>
{
    // Long enough for four requests on a machine busy with the other test projects (4 s was not, twice in CI).
    public static readonly TimeSpan DegradedWindow = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task RedisStoppedMidRun_DegradedThenClosedThenRecovered_NothingLost()
    {
        var revokedEarlier = await ClientTokenAsync();
        var valid = await ClientTokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await RevokeAsync(deployment.IdentityB, revokedEarlier)).Status);
        await Eventually.TrueAsync(async () => await BothAsync(revokedEarlier, HttpStatusCode.Unauthorized));

        await deployment.Redis.StopAsync();
        var stopped = Stopwatch.StartNew();

        Assert.True(await BothAsync(valid, HttpStatusCode.NotFound), "within the window, a valid token is served");
        var validChecked = stopped.Elapsed;
        Assert.True(await BothAsync(revokedEarlier, HttpStatusCode.Unauthorized), "within the window, a revoked token stays revoked");
        Assert.True(stopped.Elapsed < DegradedWindow,
            $"the checks above must run inside the degraded window; they took {validChecked.TotalMilliseconds:F0} and {stopped.Elapsed.TotalMilliseconds:F0} ms");
        // After the window check: the refusal waits for Redis's own timeouts, slow on a loaded machine.
        Assert.Equal("temporarily_unavailable", (await RevokeAsync(deployment.IdentityA, valid)).Error);

        await Eventually.TrueAsync(async () => await BothAsync(valid, HttpStatusCode.ServiceUnavailable), DegradedWindow * 2);

        await deployment.Redis.StartAsync();

        await Eventually.TrueAsync(async () => await BothAsync(valid, HttpStatusCode.NotFound), TimeSpan.FromSeconds(30));
        Assert.True(await BothAsync(revokedEarlier, HttpStatusCode.Unauthorized), "a revocation from before the outage is not lost");
        await Eventually.TrueAsync(async () => (await RevokeAsync(deployment.IdentityA, valid)).Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => await BothAsync(valid, HttpStatusCode.Unauthorized));
    }

    // GET of an unknown post: 404 means the token was accepted.
    private async Task<bool> BothAsync(string token, HttpStatusCode expected)
    {
        foreach (var board in new[] { deployment.BoardA, deployment.BoardB })
        {
            if ((await board.CreateClient(token).GetAsync($"/posts/{Guid.Empty}")).StatusCode != expected)
            {
                return false;
            }
        }

        return true;
    }

    private Task<string> ClientTokenAsync() => OAuth.ClientCredentialsAsync(deployment.IdentityA.CreateClient(), "posts.read");

    private static Task<TokenResponse> RevokeAsync(ServiceProcess identity, string token) =>
        OAuth.RevokeAsThirdPartyAsync(identity.CreateClient(), token);
}
