using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AuthPasswordTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private const string Password = "Str0ng!Password";
    private const string NewPassword = "An0ther!Password";

    private static Task<TokenResponse> ChangeAsync(HttpClient client, string accessToken, string current, string next) =>
        AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password", new { currentPassword = current, newPassword = next }, accessToken);

    [Fact]
    public async Task Password_Changed_EveryOtherSessionEndsAndThisOneStays()
    {
        var user = await server.CreateUserAsync(Password);
        var client = server.CreateApiClient();
        var (access, refresh) = await AuthApiClient.SignInAsync(client, user.Email!, Password);
        var (otherAccess, otherRefresh) = await AuthApiClient.SignInAsync(client, user.Email!, Password);
        var browser = await SignedInSpa.StartAsync(server, email: user.Email!, password: Password);

        var change = await ChangeAsync(client, access, Password, NewPassword);

        Assert.Equal(HttpStatusCode.NoContent, change.Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, access)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.RefreshAsync(client, refresh)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, otherAccess)).Status);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(client, otherRefresh)).Get("error"));
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(client, IdentityServerFactory.SpaClientId, browser.RefreshToken)).Error);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, NewPassword)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(client, user.Email!, Password)).Status);
    }

    [Fact]
    public async Task Password_WrongCurrentPassword_BadRequestAndNothingEnds()
    {
        var user = await server.CreateUserAsync(Password);
        var client = server.CreateApiClient();
        var (access, _) = await AuthApiClient.SignInAsync(client, user.Email!, Password);
        var (otherAccess, _) = await AuthApiClient.SignInAsync(client, user.Email!, Password);

        var change = await ChangeAsync(client, access, "Wr0ng!Password", NewPassword);

        Assert.Equal(HttpStatusCode.BadRequest, change.Status);
        Assert.Equal(["currentPassword"], AuthApiClient.FieldsInError(change));
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, otherAccess)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, Password)).Status);
    }

    [Theory]
    [InlineData("weak")]
    [InlineData("alllowercase1!")]
    public async Task Password_NewPasswordBreaksTheRules_BadRequestAndNothingEnds(string next)
    {
        var user = await server.CreateUserAsync(Password);
        var client = server.CreateApiClient();
        var (access, _) = await AuthApiClient.SignInAsync(client, user.Email!, Password);
        var (otherAccess, _) = await AuthApiClient.SignInAsync(client, user.Email!, Password);

        var change = await ChangeAsync(client, access, Password, next);

        Assert.Equal(HttpStatusCode.BadRequest, change.Status);
        Assert.Equal(["newPassword"], AuthApiClient.FieldsInError(change));
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, otherAccess)).Status);
    }
}
