using System.Net;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class SecurityAlertTests(MessageFolderServer messages) : IClassFixture<MessageFolderServer>
{
    private const string Password = "Str0ng!Password";

    private IdentityServerFactory Server => messages.Server;

    private HttpClient ClientOn(string userAgent)
    {
        var client = Server.CreateApiClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        return client;
    }

    [Fact]
    public async Task PasswordChanged_ThroughTheApi_Alerted()
    {
        var user = await Server.CreateUserAsync(Password);
        var client = Server.CreateApiClient();
        var (access, _) = await AuthApiClient.SignInAsync(client, user.Email!, Password);

        var change = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password",
            new { currentPassword = Password, newPassword = "An0ther!Password" }, access);

        Assert.Equal(HttpStatusCode.NoContent, change.Status);
        var alert = await messages.WaitForAsync(user.Email!, MessageKinds.PasswordChanged);
        Assert.Equal(MessageChannels.Email, alert.Channel);
    }

    [Fact]
    public async Task NewDevice_AlertedFromTheSecondDeviceOn_NotAtTheAccountsFirstSignIn()
    {
        var user = await Server.CreateUserAsync(Password);

        await AuthApiClient.SignInAsync(ClientOn("DeviceOne/1.0 (Windows NT 10.0)"), user.Email!, Password);
        await AuthApiClient.SignInAsync(ClientOn("DeviceOne/1.0 (Windows NT 10.0)"), user.Email!, Password);
        await AuthApiClient.SignInAsync(ClientOn("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"), user.Email!, Password);

        var alert = await messages.WaitForAsync(user.Email!, MessageKinds.NewSignIn);
        Assert.Contains("Firefox on Linux", alert.Text);
        // The first sign-ins (one device, before any other was known) sent nothing.
        await messages.AssertStaysAtAsync(user.Email!, MessageKinds.NewSignIn, 1);
    }

    [Fact]
    public async Task RefreshTokenReplayed_FamilyRevokedAndUserAlerted()
    {
        var user = await Server.CreateUserAsync(Password);
        var client = Server.CreateApiClient();
        var (_, refresh) = await AuthApiClient.SignInAsync(client, user.Email!, Password);
        var rotated = await AuthApiClient.RefreshAsync(client, refresh);
        Assert.Equal(HttpStatusCode.OK, rotated.Status);

        var replay = await AuthApiClient.RefreshAsync(client, refresh);

        Assert.Equal("invalid_grant", replay.Error);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(client, rotated.Get("refresh_token"))).Error);
        var alert = await messages.WaitForAsync(user.Email!, MessageKinds.RefreshTokenReuse);
        Assert.Contains(AuthApiClient.ClientId, alert.Text);
    }
}
