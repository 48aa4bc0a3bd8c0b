using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ClientAssertions;

/// <summary>/admin/clients registers a private_key_jwt client: no secret, its public key, and assertions work at once.</summary>
public sealed class AdminPrivateKeyJwtClientTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Create_PrivateKeyJwtClient_NoSecretAndItsAssertionsWork()
    {
        var forge = new ClientAssertionForge(DefaultIssuer);
        var clientId = $"partner-{Guid.NewGuid():N}"[..16];

        var created = await SendAsync(HttpMethod.Post, "/admin/clients", new
        {
            client_id = clientId, token_endpoint_auth_method = "private_key_jwt",
            jwks = JsonDocument.Parse(forge.PublicJwks()).RootElement, grant_types = new[] { "client_credentials" }, scope = "posts.read",
        });

        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        Assert.Equal("confidential", created.Get("client_type"));
        Assert.Equal("private_key_jwt", created.Get("token_endpoint_auth_method"));
        Assert.False(created.Json.TryGetProperty("client_secret", out _));
        Assert.Equal(forge.Kid, created.Json.GetProperty("jwks").GetProperty("keys")[0].GetProperty("kid").GetString());

        var token = await OAuth.PostAsync(server.CreateClient(), "/connect/token", ClientAssertionForge.Form(clientId, forge.Create(clientId),
            new() { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" }));
        Assert.True(token.Status == HttpStatusCode.OK, token.Body);
        Assert.Equal(clientId, new JsonWebToken(token.Get("access_token")).Subject);

        var rotate = await SendAsync(HttpMethod.Post, $"/admin/clients/{clientId}/secret");
        Assert.Equal(HttpStatusCode.BadRequest, rotate.Status);

        // No secret to go back to: refused by name, not as a missing configuration setting.
        var toSecret = await SendAsync(HttpMethod.Put, $"/admin/clients/{clientId}", new
        {
            client_id = clientId, client_type = "confidential", token_endpoint_auth_method = "client_secret_basic",
            grant_types = new[] { "client_credentials" }, scope = "posts.read",
        });
        Assert.Equal(HttpStatusCode.BadRequest, toSecret.Status);
        Assert.Contains("no secret to authenticate with", toSecret.Json.GetProperty("errors").GetProperty("token_endpoint_auth_method")[0].GetString());
        Assert.DoesNotContain("Seed__", toSecret.Body);
    }

    [Fact]
    public async Task Create_ClientSecretJwt_RefusedNamingTheField()
    {
        var created = await SendAsync(HttpMethod.Post, "/admin/clients", new
        {
            client_id = $"partner-{Guid.NewGuid():N}"[..16], client_type = "confidential", token_endpoint_auth_method = "client_secret_jwt",
            grant_types = new[] { "client_credentials" }, scope = "posts.read",
        });

        Assert.Equal(HttpStatusCode.BadRequest, created.Status);
        Assert.Contains("token_endpoint_auth_method", created.Body);
        Assert.Contains("client_secret_jwt is not accepted", created.Body);
    }

    private async Task<TokenResponse> SendAsync(HttpMethod method, string path, object? body = null)
    {
        var admin = (await OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "admin" },
            (AdminAutomationClientId, AdminAutomationSecret))).Get("access_token");
        using var client = server.CreateApiClient();
        return await AuthApiClient.SendAsync(client, method, path, body, admin);
    }
}
