using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AuthLogoutTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Logout_EndsThisSession_ItsAccessAndRefreshTokensAreDead()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (accessToken, refreshToken) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var (otherAccess, otherRefresh) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");

        var logout = await AuthApiClient.LogoutAsync(client, accessToken);

        Assert.Equal(HttpStatusCode.NoContent, logout.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, accessToken)).Status);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(client, refreshToken)).Get("error"));
        Assert.False((await OAuth.IntrospectAsync(client, accessToken)).Json.GetProperty("active").GetBoolean());

        // The user's other session goes on.
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, otherAccess)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.RefreshAsync(client, otherRefresh)).Status);
    }

    [Fact]
    public async Task Logout_WithoutToken_Unauthorized()
    {
        var response = await AuthApiClient.LogoutAsync(server.CreateApiClient(), accessToken: null!);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        // Either scheme would do (RFC 9449 7.1): the Bearer challenge says what is wrong, the DPoP one which proofs count.
        var challenges = response.Headers!.WwwAuthenticate.ToList();
        Assert.Equal(["Bearer", "DPoP"], challenges.Select(challenge => challenge.Scheme));
        Assert.Equal("error=\"invalid_token\", error_description=\"The request carries no access token.\"", challenges[0].Parameter);
        Assert.StartsWith("algs=\"", challenges[1].Parameter);
        Assert.Equal("application/problem+json", response.ContentType);
    }

    [Fact]
    public async Task AccountEndpoints_TokenWithoutAccountScope_Unauthorized()
    {
        // A token meant for BoardApi only (RFC 8725 3.9): not accepted for the account.
        var client = server.CreateApiClient();
        var machine = await OAuth.ClientCredentialsAsync(client, "posts.read");
        var spa = await SignedInSpa.StartAsync(server);

        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.LogoutAsync(client, machine)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, machine)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, spa.AccessToken)).Status);
    }
}
