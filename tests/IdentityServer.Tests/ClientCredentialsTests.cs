using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class ClientCredentialsTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private static readonly (string, string) ThirdParty = (IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret);

    [Fact]
    public async Task ClientCredentials_ValidClient_IssuesRfc9068JwtVerifiableFromJwks()
    {
        var client = server.CreateClient();
        var response = await OAuth.PostAsync(client, "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" }, ThirdParty);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("Bearer", response.Get("token_type"));
        Assert.InRange(response.Json.GetProperty("expires_in").GetInt32(), 890, 900);

        var jwt = await OAuth.ValidateJwtAsync(client, response.Get("access_token"), IdentityServerFactory.BoardApiResource, "at+jwt");
        Assert.Equal("RS256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal(IdentityServerFactory.DefaultIssuer, jwt.Issuer);
        Assert.Equal([IdentityServerFactory.BoardApiResource], jwt.Audiences);
        Assert.Equal(IdentityServerFactory.ThirdPartyClientId, jwt.Subject);
        Assert.Equal(IdentityServerFactory.ThirdPartyClientId, jwt.GetClaim("client_id").Value);
        Assert.Equal("posts.read", jwt.GetClaim("scope").Value);
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(TimeSpan.FromMinutes(15), jwt.ValidTo - jwt.IssuedAt);
        // No user, so no session id; and no encryption (RFC 9068 tokens are readable by any resource server).
        Assert.False(jwt.TryGetClaim("sid", out _));
        Assert.False(jwt.IsEncrypted);
    }

    [Fact]
    public async Task ClientCredentials_WrongSecret_InvalidClient()
    {
        var response = await OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
            (IdentityServerFactory.ThirdPartyClientId, "not-the-secret"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("invalid_client", response.Error);
    }

    [Fact]
    public async Task ClientCredentials_UnknownScope_InvalidScope()
    {
        var response = await OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "posts.delete-everything" }, ThirdParty);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_scope", response.Error);
    }

    [Fact]
    public async Task ClientCredentials_PublicClient_Rejected()
    {
        var response = await OAuth.PostAsync(server.CreateClient(), "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityServerFactory.SpaClientId,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        // A public client has no credentials to authenticate with.
        Assert.Equal("invalid_request", response.Error);
        Assert.False(response.Json.TryGetProperty("access_token", out _));
    }

    [Theory]
    [InlineData("urn:ietf:params:oauth:grant-type:saml2-bearer")]
    [InlineData("made_up")]
    public async Task Token_UnsupportedGrantType_UnsupportedGrantType(string grantType)
    {
        var response = await OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = grantType, ["username"] = "a", ["password"] = "b" }, ThirdParty);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("unsupported_grant_type", response.Error);
    }

    [Fact]
    public async Task Token_MalformedRequest_InvalidRequestNotServerError()
    {
        var client = server.CreateClient();
        var noGrant = await OAuth.PostAsync(client, "/connect/token", new Dictionary<string, string> { ["client_id"] = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, noGrant.Status);
        Assert.Equal("invalid_request", noGrant.Error);

        using var json = await client.PostAsync("/connect/token",
            new StringContent("{\"grant_type\":\"client_credentials\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("invalid_request", await json.Content.ReadAsStringAsync());

        using var get = await client.GetAsync("/connect/token?grant_type=client_credentials");
        Assert.Equal(HttpStatusCode.BadRequest, get.StatusCode);
    }
}
