using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

public sealed class IntrospectionRevocationTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Introspect_ActiveAccessToken_ActiveWithClaims()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var response = await OAuth.IntrospectAsync(spa.Browser.Client, spa.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.Json.GetProperty("active").GetBoolean());
        Assert.Equal(SpaClientId, response.Get("client_id"));
        Assert.Equal(DefaultIssuer, response.Get("iss"));
        Assert.Contains("posts.read", response.Get("scope").Split(' '));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4IiwiYXVkIjoiYm9hcmQtYXBpIn0.")]
    public async Task Introspect_InvalidToken_Inactive(string token)
    {
        var response = await OAuth.IntrospectAsync(server.CreateClient(), token);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.Json.GetProperty("active").GetBoolean());
        Assert.Single(response.Json.EnumerateObject()); // RFC 7662 2.2: nothing but "active" for an inactive token
    }

    [Fact]
    public async Task Introspect_IdToken_InactiveNotAnError()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var response = await OAuth.IntrospectAsync(spa.Browser.Client, spa.IdToken);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.False(response.Json.GetProperty("active").GetBoolean());
        Assert.Single(response.Json.EnumerateObject());
    }

    [Fact]
    public async Task Introspect_WithoutClientAuthentication_Rejected()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var anonymous = await OAuth.PostAsync(spa.Browser.Client, "/connect/introspect",
            new Dictionary<string, string> { ["token"] = spa.AccessToken });
        var wrongSecret = await OAuth.PostAsync(spa.Browser.Client, "/connect/introspect",
            new Dictionary<string, string> { ["token"] = spa.AccessToken }, (BoardApiClientId, "wrong"));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal("invalid_client", anonymous.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.Status);
        Assert.Equal("invalid_client", wrongSecret.Error);
    }

    [Fact]
    public async Task Revoke_AccessToken_IntrospectionThenInactive()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var revoked = await OAuth.PostAsync(spa.Browser.Client, "/connect/revoke", new Dictionary<string, string>
        {
            ["token"] = spa.AccessToken,
            ["token_type_hint"] = "access_token",
            ["client_id"] = SpaClientId,
        });

        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        var introspection = await OAuth.IntrospectAsync(spa.Browser.Client, spa.AccessToken);
        Assert.False(introspection.Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoke_RefreshToken_RefreshRejectedAndIntrospectionInactive()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var revoked = await OAuth.PostAsync(spa.Browser.Client, "/connect/revoke", new Dictionary<string, string>
        {
            ["token"] = spa.RefreshToken,
            ["client_id"] = SpaClientId,
        });

        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, spa.RefreshToken)).Error);
        var introspection = await OAuth.IntrospectAsync(spa.Browser.Client, spa.RefreshToken);
        Assert.False(introspection.Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revoke_ByAnotherClient_TokenStaysActive()
    {
        var spa = await SignedInSpa.StartAsync(server);

        // RFC 7009 2.1: only the client the token was issued to may revoke it.
        await OAuth.PostAsync(spa.Browser.Client, "/connect/revoke",
            new Dictionary<string, string> { ["token"] = spa.RefreshToken }, (ThirdPartyClientId, ThirdPartySecret));

        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, spa.RefreshToken)).Status);
    }

    [Fact]
    public async Task Revoke_UnknownToken_OkPerRfc7009()
    {
        var response = await OAuth.PostAsync(server.CreateClient(), "/connect/revoke",
            new Dictionary<string, string> { ["token"] = "never-issued", ["client_id"] = SpaClientId });

        Assert.Equal(HttpStatusCode.OK, response.Status);
    }

    [Fact]
    public async Task Revoke_AccessToken_RecordedInRedisBeyondExpiryPlusResourceServerClockSkew()
    {
        var spa = await SignedInSpa.StartAsync(server);
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(spa.AccessToken);

        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(server.CreateApiClient(), spa.AccessToken)).Status);

        var key = server.Services.GetRequiredService<RedisJwt.ServiceDefaults.RedisKeys>().Revoked(RedisJwt.Revocation.Revoked.Token(jwt.Id, default));
        var ttl = await server.AdminRedis.GetDatabase().KeyTimeToLiveAsync(key);

        // A resource server accepts a token until exp + its clock skew (Auth:ClockSkew, at most 5 minutes).
        Assert.NotNull(ttl);
        Assert.True(DateTimeOffset.UtcNow + ttl.Value >= new DateTimeOffset(jwt.ValidTo) + TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(5),
            $"TTL {ttl} ends before exp {jwt.ValidTo:O} + 5 min");
    }
}
