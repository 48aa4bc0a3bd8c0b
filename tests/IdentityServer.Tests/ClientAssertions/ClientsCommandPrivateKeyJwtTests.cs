using System.Net;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ClientAssertions;

/// <summary>`IdentityServer clients add` registers a private_key_jwt client from a shell: no secret printed, its key works.</summary>
public sealed class ClientsCommandPrivateKeyJwtTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Add_PrivateKeyJwt_NoSecretAndItsAssertionsWork()
    {
        var forge = new ClientAssertionForge(DefaultIssuer);
        var clientId = $"cli-{Guid.NewGuid():N}"[..12];

        var (exit, output, errors) = await RunAsync("add", "--client-id", clientId, "--type", "confidential",
            "--token-endpoint-auth-method", "private_key_jwt", "--jwks", forge.PublicJwks(),
            "--grant", "client_credentials", "--scope", "posts.read");

        Assert.True(exit == 0, errors);
        Assert.Contains("token_endpoint_auth_method: private_key_jwt", output);
        Assert.Contains($"jwks: {forge.Kid}", output);
        Assert.DoesNotContain("client_secret:", output);
        var token = await OAuth.PostAsync(server.CreateClient(), "/connect/token", ClientAssertionForge.Form(clientId, forge.Create(clientId),
            new() { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" }));
        Assert.True(token.Status == HttpStatusCode.OK, token.Body);
    }

    [Fact]
    public async Task Add_JwksNotJson_RefusedBeforeAnythingChanges()
    {
        var (exit, _, errors) = await RunAsync("add", "--client-id", "cli-bad-jwks", "--type", "confidential",
            "--token-endpoint-auth-method", "private_key_jwt", "--jwks", "{not json", "--grant", "client_credentials");

        Assert.Equal(2, exit);
        Assert.Contains("--jwks needs a JWK Set as JSON text", errors);
    }

    private async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await ClientsCommand.RunAsync(server.Services, args, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }
}
