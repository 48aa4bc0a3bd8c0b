using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>One address cannot mail many inboxes: reset and resend requests share a per-IP limit.</summary>
public sealed class AccountEmailLimitTests : IAsyncLifetime
{
    // On loopback, so requests come from an IP address.
    private readonly IdentityServerFactory _server = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(),
        overrides: new Dictionary<string, string?>
        {
            ["RateLimits:Policies:account-emails-per-ip:PermitLimit"] = "2",
            ["RateLimits:Policies:account-emails-per-ip:Window"] = "01:00:00",
        });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task ThirdRequestFromOneAddress_TooManyRequests()
    {
        var client = _server.CreateApiClient();
        Task<TokenResponse> Request(string path) => AuthApiClient.SendAsync(client, HttpMethod.Post, path,
            new { email = $"someone-{Guid.NewGuid():N}@example.test" });

        Assert.Equal(HttpStatusCode.Accepted, (await Request("/auth/password/forgot")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await Request("/auth/email/resend")).Status);
        var refused = await Request("/auth/password/forgot");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("application/problem+json", refused.ContentType);
        Assert.NotNull(refused.Headers?.RetryAfter);

        var browser = _server.CreateBrowser();
        var page = await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), "form",
            new Dictionary<string, string> { ["Input.Email"] = "someone@example.test" });
        Assert.Equal(HttpStatusCode.TooManyRequests, page.Response.StatusCode);
        Assert.Null(page.Document!.QuerySelector("#notice"));
    }
}
