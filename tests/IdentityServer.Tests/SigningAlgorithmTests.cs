using System.Net;
using System.Text.Json;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Credentials:SigningAlgorithm: every token and the JWKS carry the one configured algorithm.</summary>
public sealed class SigningAlgorithmTests
{
    public static TheoryData<string, string> Algorithms => new() { { "PS256", "RSA" }, { "ES256", "EC" } };

    [Theory]
    [MemberData(nameof(Algorithms))]
    public async Task AccessTokenAndJwks_CarryTheConfiguredAlgorithm_VerifiableWithItOnly(string algorithm, string keyType)
    {
        var settings = algorithm == "ES256"
            ? new Dictionary<string, string?>(TestCertificates.EcSigningSettings())
            : new Dictionary<string, string?> { ["Credentials:SigningAlgorithm"] = algorithm };
        await using var server = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(), settings);
        var client = server.CreateClient();

        var token = await OAuth.ClientCredentialsAsync(client, "posts.read");

        var jwt = await OAuth.ValidateJwtAsync(client, token, IdentityServerFactory.BoardApiResource, "at+jwt", algorithm);
        Assert.Equal(algorithm, jwt.Alg);
        var key = Assert.Single(JsonDocument.Parse(await client.GetStringAsync("/.well-known/jwks")).RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(algorithm, key.GetProperty("alg").GetString());
        Assert.Equal(keyType, key.GetProperty("kty").GetString());
        var discovery = JsonDocument.Parse(await client.GetStringAsync("/.well-known/openid-configuration")).RootElement;
        Assert.Equal([algorithm], discovery.GetProperty("id_token_signing_alg_values_supported").EnumerateArray().Select(value => value.GetString()));
        // RFC 8725 3.1: a verifier held to RS256 refuses the token.
        await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => OAuth.ValidateJwtAsync(client, token, IdentityServerFactory.BoardApiResource, "at+jwt"));

        var introspection = await OAuth.IntrospectAsync(client, token);
        Assert.Equal(HttpStatusCode.OK, introspection.Status);
        Assert.True(introspection.Json.GetProperty("active").GetBoolean());
    }
}
