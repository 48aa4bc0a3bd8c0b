using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Telemetry;

/// <summary>Redis stops: the connection gauge drops to 0 and fail-closed rate limits count their refusals as such.</summary>
public sealed class RedisOutageMetricsTests : IAsyncLifetime
{
    private readonly RedisProcess _redis = new();
    private IdentityServerFactory _server = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _server = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(),
            new Dictionary<string, string?>
            {
                ["ConnectionStrings:Redis"] = _redis.ConnectionStringAs(Service.IdentityServer),
                ["Management:Port"] = Scrape.ManagementPort.ToString(),
            });
        _server.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RedisStopped_ConnectedGaugeZero_SignInRefusalsCountedAsRedisUnavailable()
    {
        var client = _server.CreateApiClient();
        var user = await _server.CreateUserAsync();
        await Eventually.TrueAsync(async () => (await Scrape.InMemoryAsync(client)).Sum("redisjwt_redis_connected") == 1);

        await _redis.StopAsync();
        await Eventually.TrueAsync(async () => (await Scrape.InMemoryAsync(client)).Sum("redisjwt_redis_connected") == 0);
        var before = await Scrape.InMemoryAsync(client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await AuthApiClient.LoginAsync(client, user.Email!, "Str0ng!Password")).Status);

        Assert.Equal(1, (await Scrape.InMemoryAsync(client)).Since(before, "redisjwt_ratelimit_rejections_total",
            ("policy", "sign-in-per-account"), ("reason", "redis_unavailable")));
    }
}
