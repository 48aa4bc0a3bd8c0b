using System.Net;
using RedisJwt.IdentityServer.DeviceFlow;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.DeviceFlow.DeviceRequests;
using static RedisJwt.IdentityServer.Tests.MultiFactor.MultiFactorBrowsing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DeviceFlow;

/// <summary>
/// Guessing user codes (RFC 8628 5.1): every lookup on the verification page takes a permit per user and per client
/// IP, so after the limit even the right code is not looked up; an anonymous browser gets no lookup at all. On a
/// loopback socket, so requests have a client IP.
/// </summary>
public sealed class UserCodeAttemptsTests : IAsyncLifetime
{
    private const int PerUser = 5;
    private const int PerIp = 8;

    private readonly IdentityServerFactory _server = OnLoopback(FreeLoopbackPort(), overrides: new Dictionary<string, string?>(DeviceClients)
    {
        ["RateLimits:Policies:user-codes-per-user:PermitLimit"] = PerUser.ToString(),
        ["RateLimits:Policies:user-codes-per-user:Window"] = "01:00:00",
        ["RateLimits:Policies:user-codes-per-ip:PermitLimit"] = PerIp.ToString(),
        ["RateLimits:Policies:user-codes-per-ip:Window"] = "01:00:00",
    });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task WrongCodes_PastTheLimits_EvenTheRightCodeRefused_PerUserThenPerIp()
    {
        var codes = await AuthorizeDeviceAsync(_server.CreateApiClient());
        var (attacker, _) = await SignedInAsync(_server);
        for (var attempt = 0; attempt < PerUser; attempt++)
        {
            var wrong = await EnterCodeAsync(attacker, $"BCDF-{Guess(attempt)}");
            AssertWrongCode(wrong);
        }

        var right = await EnterCodeAsync(attacker, codes.Get("user_code"));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.Response.StatusCode);
        Assert.Null(right.Document?.QuerySelector("#device-decision"));
        Assert.StartsWith("Too many attempts", right.Document?.QuerySelector("#device-error")?.TextContent);

        // Another account from the same address has what is left of the address's allowance (the attempt refused per
        // user came from it too), then nothing.
        var (accomplice, _) = await SignedInAsync(_server);
        for (var attempt = PerUser + 1; attempt < PerIp; attempt++)
        {
            var wrong = await EnterCodeAsync(accomplice, $"BCDF-{Guess(attempt)}");
            AssertWrongCode(wrong);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await EnterCodeAsync(accomplice, codes.Get("user_code"))).Response.StatusCode);
        Assert.Equal("authorization_pending", (await PollAsync(_server.CreateApiClient(), codes.Get("device_code"))).Error);
    }

    [Fact]
    public async Task Anonymous_CodeInTheLink_NotLookedUpNorCounted_SentToSignIn()
    {
        var codes = await AuthorizeDeviceAsync(_server.CreateApiClient());
        var anonymous = _server.CreateBrowser();

        for (var attempt = 0; attempt < PerIp + 1; attempt++)
        {
            var page = await anonymous.NavigateAsync($"/connect/verify?user_code=BCDF-{Guess(attempt)}");
            Assert.Equal("/Account/Login", page.Url.AbsolutePath);
        }

        // The address's allowance is untouched: a signed-in user's code is found.
        var (browser, _) = await SignedInAsync(_server);
        Assert.NotNull((await EnterCodeAsync(browser, codes.Get("user_code"))).Document?.QuerySelector("#device-decision"));
    }

    // Well-formed guesses, distinct per attempt.
    private static string Guess(int attempt) => string.Concat(Enumerable.Range(0, 4).Select(place => UserCodes.Charset[(attempt + place * 3) % UserCodes.Charset.Length]));
}
