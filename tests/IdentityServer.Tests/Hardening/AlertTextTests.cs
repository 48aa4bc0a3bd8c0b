using RedisJwt.IdentityServer.Account;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 13 (issue 17): the new-sign-in alert quoted the user agent, text the signing-in party chooses, into
/// an email from this server. Only a fixed vocabulary of browser and platform names reaches the alert now.
/// </summary>
public sealed class AlertTextTests
{
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
