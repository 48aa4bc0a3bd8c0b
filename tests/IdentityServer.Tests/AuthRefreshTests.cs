using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AuthRefreshTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Refresh_ValidToken_NewPairAndTheOldTokenIsDead()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (_, refreshToken) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");

        var renewed = await AuthApiClient.RefreshAsync(client, refreshToken);
        var replay = await AuthApiClient.RefreshAsync(client, refreshToken);

        Assert.Equal(HttpStatusCode.OK, renewed.Status);
        Assert.NotEqual(refreshToken, renewed.Get("refresh_token"));
        Assert.Equal(HttpStatusCode.BadRequest, replay.Status);
        Assert.Equal("application/problem+json", replay.ContentType);
        Assert.Equal("invalid_grant", replay.Get("error"));

        // A replay is theft (RFC 9700 4.14.2): the whole family ends, the token the replay raced too.
        var afterReuse = await AuthApiClient.RefreshAsync(client, renewed.Get("refresh_token"));
        Assert.Equal("invalid_grant", afterReuse.Get("error"));
    }

    [Fact]
    public async Task Refresh_AnotherClientsToken_Refused()
    {
        var user = await server.CreateUserAsync();
        var spa = await SignedInSpa.StartAsync(server, email: user.Email!, password: "Str0ng!Password");

        var response = await AuthApiClient.RefreshAsync(server.CreateApiClient(), spa.RefreshToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_grant", response.Get("error"));
    }

    [Fact]
    public async Task Refresh_MissingOrGarbageToken_ProblemNotServerError()
    {
        var client = server.CreateApiClient();

        var missing = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/refresh", new { });
        var garbage = await AuthApiClient.RefreshAsync(client, "not-a-token");

        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Equal(["refresh_token"], AuthApiClient.FieldsInError(missing));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Status);
        Assert.Equal("invalid_grant", garbage.Get("error"));
    }
}
