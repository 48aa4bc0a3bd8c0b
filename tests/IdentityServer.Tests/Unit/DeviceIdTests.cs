using System.Net;
using Microsoft.AspNetCore.Http;
using RedisJwt.IdentityServer.Account.Notifications;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class DeviceIdTests
{
    private static string Id(string userAgent, string address)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.UserAgent = userAgent;
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return KnownDevices.DeviceId(http);
    }

    [Fact]
    public void SameBrowserAndNetwork_SameDevice_ElseNew()
    {
        Assert.Equal(Id("Firefox/140", "2001:db8:1:2::10"), Id("Firefox/140", "2001:db8:1:2::99"));
        Assert.NotEqual(Id("Firefox/140", "2001:db8:1:2::10"), Id("Firefox/140", "2001:db8:1:3::10"));
        Assert.NotEqual(Id("Firefox/140", "192.0.2.1"), Id("Chrome/140", "192.0.2.1"));
        Assert.NotEqual(Id("Firefox/140", "192.0.2.1"), Id("Firefox/140", "192.0.2.2"));
        Assert.Equal(64, Id("Firefox/140", "192.0.2.1").Length);
    }
}
