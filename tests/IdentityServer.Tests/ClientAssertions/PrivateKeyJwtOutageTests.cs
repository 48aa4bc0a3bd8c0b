using System.Net;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ClientAssertions;

/// <summary>Redis stops: a client assertion's jti cannot be recorded, so no assertion is accepted (fail closed, 503).</summary>
public sealed class PrivateKeyJwtOutageTests : IAsyncLifetime
{
    private const string ClientId = "partner-outage";
    private readonly RedisProcess _redis = new();
    private readonly ClientAssertionForge _forge = new(DefaultIssuer);
    private IdentityServerFactory _server = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _server = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionStringAs(Service.IdentityServer),
            [$"Seed:Clients:{ClientId}:TokenEndpointAuthMethod"] = "private_key_jwt",
            [$"Seed:Clients:{ClientId}:Jwks"] = _forge.PublicJwks(),
            [$"Seed:Clients:{ClientId}:GrantTypes:0"] = "client_credentials",
            [$"Seed:Clients:{ClientId}:Scopes:0"] = "posts.read",
        });
        _server.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RedisStopped_AssertionRefusedTemporarilyUnavailable()
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" };
        Assert.Equal(HttpStatusCode.OK,
            (await OAuth.PostAsync(_server.CreateClient(), "/connect/token", ClientAssertionForge.Form(ClientId, _forge.Create(ClientId), form))).Status);

        await _redis.StopAsync();
        var response = await OAuth.PostAsync(_server.CreateClient(), "/connect/token", ClientAssertionForge.Form(ClientId, _forge.Create(ClientId), form));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.Status);
        Assert.Equal("temporarily_unavailable", response.Error);
    }
}
