using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 13 (issue 17): the new-sign-in alert quoted the user agent, text the signing-in party chooses, into
/// an email from this server. Only a fixed vocabulary of browser and platform names reaches the alert now; and the
/// display name, which whoever registered an address chose, greets its owner only once they confirmed it.
/// </summary>
public sealed class AlertTextTests(MessageFolderServer messages) : IClassFixture<MessageFolderServer>
{
    [Fact]
    public async Task AddressRegisteredByAStranger_TheirDisplayNameNotInTheMailsToIt()
    {
        var email = $"owner-{Guid.NewGuid():N}@example.test";
        var client = messages.Server.CreateApiClient();
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register",
            new { email, password = "Str0ng!Password", displayName = "Call +1 555 0100 or visit evil.example", birthdate = "1990-01-01" })).Status);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/forgot", new { email })).Status);

        foreach (var kind in new[] { MessageKinds.EmailVerification, MessageKinds.PasswordReset })
        {
            var text = (await messages.WaitForAsync(email, kind)).Text;
            Assert.DoesNotContain("evil.example", text);
            Assert.DoesNotContain("555", text);
        }
    }

    [Theory]
    [InlineData("Your account is locked: call +1 555 0100 or visit https://evil.example/unlock")]
    [InlineData("Urgent/1.0 (reset at https://evil.example)")]
    [InlineData("<a href=\"https://evil.example\">Chrome</a>")]
    public void DeviceName_AttackerChosenUserAgent_NoneOfItsTextInTheAlert(string agent)
    {
        var name = DeviceNames.Describe(agent);

        Assert.DoesNotContain("evil.example", name);
        Assert.DoesNotContain("555", name);
        Assert.DoesNotContain("<", name);
        Assert.DoesNotContain("Urgent", name);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36", "Chrome on Windows")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "Safari on iOS")]
    [InlineData("curl/8.5.0", "An unrecognised browser or app")]
    [InlineData("", "Unknown device")]
    public void DeviceName_KnownBrowsers_NamedPlainly(string agent, string expected) =>
        Assert.Equal(expected, DeviceNames.Describe(agent));
}
