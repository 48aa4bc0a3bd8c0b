using System.Net;
using System.Text.Json;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class DiscoveryTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Discovery_Document_AdvertisesEndpointsFlowsAndS256Only()
    {
        var client = server.CreateClient();
        var json = JsonDocument.Parse(await client.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        Assert.Equal(IdentityServerFactory.DefaultIssuer, json.GetProperty("issuer").GetString());
        foreach (var (name, path) in new[]
        {
            ("authorization_endpoint", "connect/authorize"), ("token_endpoint", "connect/token"),
            ("userinfo_endpoint", "connect/userinfo"), ("introspection_endpoint", "connect/introspect"),
            ("revocation_endpoint", "connect/revoke"), ("end_session_endpoint", "connect/logout"),
            ("jwks_uri", ".well-known/jwks"),
        })
        {
            Assert.Equal(IdentityServerFactory.DefaultIssuer + path, json.GetProperty(name).GetString());
        }

        Assert.Equal(["authorization_code", "client_credentials", "password", "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange"],
            Strings(json, "grant_types_supported").Order());
        Assert.Equal(["code"], Strings(json, "response_types_supported"));
        Assert.Equal(["S256"], Strings(json, "code_challenge_methods_supported"));
        Assert.Equal(["RS256"], Strings(json, "id_token_signing_alg_values_supported"));
        Assert.Superset(new HashSet<string> { "openid", "profile", "email", "roles", "offline_access", "posts.read", "posts.write" },
            Strings(json, "scopes_supported").ToHashSet());
    }

    [Fact]
    public async Task Discovery_AdvertisesBackAndFrontChannelLogoutWithSessions()
    {
        var json = JsonDocument.Parse(await server.CreateClient().GetStringAsync("/.well-known/openid-configuration")).RootElement;

        foreach (var name in new[] { "backchannel_logout_supported", "backchannel_logout_session_supported",
            "frontchannel_logout_supported", "frontchannel_logout_session_supported" })
        {
            Assert.True(json.GetProperty(name).GetBoolean(), name);
        }
    }

    [Fact]
    public async Task Jwks_PublishesOnlyThePublicRsaSigningKey()
    {
        var client = server.CreateClient();
        var response = await client.GetAsync("/.well-known/jwks");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var keys = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("keys");
        var key = Assert.Single(keys.EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        // No private parameters may ever leave the server.
        foreach (var secret in new[] { "d", "p", "q", "dp", "dq", "qi" })
        {
            Assert.False(key.TryGetProperty(secret, out _), $"JWKS exposes private parameter '{secret}'");
        }
    }

    private static IEnumerable<string> Strings(JsonElement json, string name) =>
        json.GetProperty(name).EnumerateArray().Select(value => value.GetString()!);
}
