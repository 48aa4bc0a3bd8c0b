using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>
/// RFC 6238 section 5.2: a TOTP code is accepted once. On the server's own Redis connection, so its ACL user is what
/// is exercised; the assertions read Redis as the administrator.
/// </summary>
public sealed class AuthenticatorCodeGuardTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private AuthenticatorCodeGuard Guard => server.Services.GetRequiredService<AuthenticatorCodeGuard>();

    private RedisKeys Keys => server.Services.GetRequiredService<RedisKeys>();

    [Fact]
    public async Task SameUserSameCode_SecondUseRefused()
    {
        var user = NewUserId();

        Assert.True(await Guard.TryUseOnceAsync(user, "492039"));
        Assert.False(await Guard.TryUseOnceAsync(user, "492039"));
    }

    [Fact]
    public async Task OtherUserOrOtherCode_Accepted()
    {
        var user = NewUserId();
        Assert.True(await Guard.TryUseOnceAsync(user, "492039"));

        Assert.True(await Guard.TryUseOnceAsync(NewUserId(), "492039"));
        Assert.True(await Guard.TryUseOnceAsync(user, "492040"));
    }

    [Theory]
    [InlineData("012345", "12345")]
    [InlineData("012345", "012 345")]
    [InlineData("012345", " +012345")]
    [InlineData("012345", "0012345")]
    public async Task SameCodeWrittenDifferently_Refused(string first, string again)
    {
        // Identity's AuthenticatorTokenProvider reads a code with int.TryParse: to it these are one code.
        var user = NewUserId();

        Assert.True(await Guard.TryUseOnceAsync(user, first));
        Assert.False(await Guard.TryUseOnceAsync(user, again));
    }

    [Fact]
    public async Task UsedCode_ForgottenAfterFiveMinutes_LongerThanIdentityAcceptsIt_CodeNotInTheKey()
    {
        var user = NewUserId();
        await Guard.TryUseOnceAsync(user, "492039");

        var key = Keys.AuthenticatorCodeUse(user, "492039");
        var ttl = await server.AdminRedis.GetDatabase().KeyTimeToLiveAsync(key);

        // Identity accepts a code during five 30-second time steps (two before the current one, two after).
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(150), AuthenticatorCodeGuard.UsedCodeLifetime);
        Assert.True(ttl.Value > AuthenticatorCodeGuard.UsedCodeLifetime - TimeSpan.FromSeconds(30), ttl.ToString());
        Assert.Equal(TimeSpan.FromMinutes(5), AuthenticatorCodeGuard.UsedCodeLifetime);
        Assert.DoesNotContain("492039", key.ToString());
        Assert.StartsWith($"{server.Services.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix}totp-used:{user}:", key.ToString());
    }

    private static string NewUserId() => Guid.NewGuid().ToString();
}
