using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Logout;
using RedisJwt.IdentityServer.Shared;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Logout;

/// <summary>
/// A client registers the URI this server POSTs to: outside Development (Outbound:AllowPrivateNetworks off) one that
/// leads into this server's own network is never connected to (server-side request forgery).
/// </summary>
public sealed class ClientNetworkGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)] // cloud metadata
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("2002:a00:1::1", false)] // 6to4 of 10.0.0.1
    [InlineData("2002:808:808::1", true)] // 6to4 of 8.8.8.8
    [InlineData("2001:0:4136:e378::1", false)] // Teredo
    public void IsPublic_OnlyAddressesOfThePublicInternet(string address, bool isPublic) =>
        Assert.Equal(isPublic, ClientNetworkGuard.IsPublic(IPAddress.Parse(address)));

    [Fact]
    public async Task BackChannelLogout_ToALoopbackUri_NeverSentAndDeadLetteredAtOnce()
    {
        await using var receiver = new LogoutReceiver();
        await receiver.StartAsync();
        var settings = LogoutServers.Settings(receiver);
        settings["Outbound:AllowPrivateNetworks"] = "false";
        // The metrics port is the fixture's (LogoutServers), which may be running beside this test.
        settings.Remove("Management:Port");
        await using var server = Create(NewDatabaseName(), NewRedisPrefix(), settings);
        var spa = await SignedInSpa.StartAsync(server, email: (await server.CreateUserAsync()).Email!, password: "Str0ng!Password");
        var deadLetters = server.Services.GetRequiredService<RedisKeys>().MessageDeadLetters(BackChannelLogouts.Topic);
        var database = server.AdminRedis.GetDatabase();

        await spa.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri, spa.IdToken));
        await Eventually.TrueAsync(async () => (await database.StreamRangeAsync(deadLetters)).Any(entry => entry["recipient"] == SpaClientId));

        var letter = (await database.StreamRangeAsync(deadLetters)).Single(entry => entry["recipient"] == SpaClientId);
        Assert.Contains("refused for good on attempt 1", letter["reason"].ToString());
        Assert.Contains("127.0.0.1, a non-public address", letter["reason"].ToString());
        Assert.Empty(receiver.Tokens);
    }
}
