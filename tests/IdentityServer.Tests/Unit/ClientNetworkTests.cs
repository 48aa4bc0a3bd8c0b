using System.Net;
using RedisJwt.IdentityServer.RateLimits;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class ClientNetworkTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")] // IPv4 on a dual-stack socket: the same client
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")] // another address of the same /64: the same bucket
    public void ClientNetwork_Address_PartitionOfItsSubscriber(string address, string expected) =>
        Assert.Equal(expected, IdentityRateLimits.ClientNetwork(IPAddress.Parse(address)));
}
