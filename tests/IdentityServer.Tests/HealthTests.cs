using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class HealthTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Health_LiveAndReady_HealthyWithPostgresAndRedis()
    {
        var client = server.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_RedisUnreachable_ReadyUnhealthyLiveStillOk()
    {
        await using var noRedis = IdentityServerFactory.Create(server.DatabaseName, $"test:{Guid.NewGuid():N}:",
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=200" });
        noRedis.DropDatabaseOnDispose = false;
        var client = noRedis.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
    }
}
