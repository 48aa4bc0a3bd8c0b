using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.EntityFrameworkCore.Models;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// The machine-to-machine hot path: client_credentials tokens without a token row (revoked by jti in Redis), client
/// snapshots and remembered secret checks, and why none of them lets a change or a wrong secret through.
/// </summary>
public sealed class MachineTokenPathTests
{
    [Fact]
    public async Task ClientCredentialsToken_NoTokenRow_RevokedByJti_InactiveAtIntrospection()
    {
        await using var server = NewServer();
        var client = server.CreateClient();
        var rowsBefore = await TokenRowsAsync(server);

        var token = await OAuth.ClientCredentialsAsync(client, "posts.read");

        Assert.Equal(rowsBefore, await TokenRowsAsync(server));
        Assert.True((await OAuth.IntrospectAsync(client, token)).Json.GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsThirdPartyAsync(client, token)).Status);
        Assert.False((await OAuth.IntrospectAsync(client, token)).Json.GetProperty("active").GetBoolean());
        var jti = new JsonWebToken(token).Id;
        Assert.True(await server.AdminRedis.GetDatabase()
            .KeyExistsAsync(server.Services.GetRequiredService<RedisKeys>().Revoked(Revoked.Token(jti, default))));
    }

    [Fact]
    public async Task UserSignIn_StillWritesTokenRows()
    {
        await using var server = NewServer();
        var rowsBefore = await TokenRowsAsync(server);

        await SignedInSpa.StartAsync(server);

        Assert.True(await TokenRowsAsync(server) > rowsBefore);
    }

    [Fact]
    public async Task ClientCredentialsToken_RevokedByAnotherClient_StaysActive()
    {
        await using var server = NewServer();
        var client = server.CreateClient();
        var token = await OAuth.ClientCredentialsAsync(client, "posts.read");

        // RFC 7009 2.1: only the client it was issued to may revoke it; the admin automation client is another.
        await OAuth.PostAsync(client, "/connect/revoke", new Dictionary<string, string> { ["token"] = token },
            ("admin-automation", IdentityServerFactory.AdminAutomationSecret));

        Assert.True((await OAuth.IntrospectAsync(client, token)).Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task RightSecretRemembered_AWrongOneIsStillRefused()
    {
        await using var server = NewServer();
        var client = server.CreateClient();
        await OAuth.ClientCredentialsAsync(client, "posts.read");

        var wrong = await ClientCredentialsAsync(client, IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret + "x");

        Assert.Equal("invalid_client", wrong.Error);
    }

    [Fact]
    public async Task SecretRotatedAtOneInstance_OldSecretRefusedAtTheOther_NewOneWorks()
    {
        await using var a = NewServer();
        await using var b = IdentityServerFactory.Create(a.DatabaseName, a.RedisPrefix);
        var (clientId, oldSecret) = await CreateMachineClientAsync(a);
        // B knows the client and has checked its secret: both are remembered there now.
        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(b.CreateClient(), clientId, oldSecret)).Status);

        var rotated = await a.WithScopeAsync(services => services.GetRequiredService<ClientRegistry>().RotateSecretAsync(clientId));

        await Eventually.TrueAsync(async () => (await ClientCredentialsAsync(b.CreateClient(), clientId, oldSecret)).Error == "invalid_client",
            TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(b.CreateClient(), clientId, rotated.Client!.ClientSecret!)).Status);
    }

    [Fact]
    public async Task ClientRemovedAtOneInstance_RefusedAtTheOther()
    {
        await using var a = NewServer();
        await using var b = IdentityServerFactory.Create(a.DatabaseName, a.RedisPrefix);
        var (clientId, secret) = await CreateMachineClientAsync(a);
        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(b.CreateClient(), clientId, secret)).Status);

        Assert.Equal(ClientOutcome.Done, (await a.WithScopeAsync(services => services.GetRequiredService<ClientRegistry>().RemoveAsync(clientId))).Outcome);

        await Eventually.TrueAsync(async () => (await ClientCredentialsAsync(b.CreateClient(), clientId, secret)).Error == "invalid_client",
            TimeSpan.FromSeconds(2));
    }

    private static IdentityServerFactory NewServer() =>
        IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix());

    private static Task<TokenResponse> ClientCredentialsAsync(HttpClient client, string clientId, string secret) =>
        OAuth.PostAsync(client, "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" }, (clientId, secret));

    private static async Task<(string ClientId, string Secret)> CreateMachineClientAsync(IdentityServerFactory server)
    {
        var clientId = $"machine-{Guid.NewGuid():N}";
        var created = await server.WithScopeAsync(services => services.GetRequiredService<ClientRegistry>().CreateAsync(new ClientRegistration
        {
            ClientId = clientId,
            DisplayName = "Machine",
            Type = "confidential",
            GrantTypes = ["client_credentials"],
            Scopes = "posts.read",
        }));
        Assert.Equal(ClientOutcome.Done, created.Outcome);
        return (clientId, created.Client!.ClientSecret!);
    }

    private static Task<int> TokenRowsAsync(IdentityServerFactory server) =>
        server.WithScopeAsync(services => services.GetRequiredService<ApplicationDbContext>().Set<OpenIddictEntityFrameworkCoreToken>().CountAsync());
}
