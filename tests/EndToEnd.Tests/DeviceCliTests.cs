using System.Net;
using DeviceCli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// samples/DeviceCli (OpenIddict's client, device flow) against a running IdentityServer and BoardApi: the test is the
/// user, approving the code the CLI shows on the verification page while the CLI polls.
/// </summary>
[Collection(SamplesCollection.Name)]
public sealed class DeviceCliTests(SampleDeployment deployment)
{
    [Fact]
    public async Task DeviceFlow_UserApprovesTheCodeShown_CliGetsTokensAndListsTheirPosts()
    {
        var approval = Task.CompletedTask;
        var (user, titles) = await SignIn().RunAsync(challenge => approval = ApproveAsync(challenge, "accept"), CancellationToken.None);
        await approval;

        Assert.False(string.IsNullOrEmpty(user));
        Assert.NotNull(titles);
    }

    [Fact]
    public async Task DeviceFlow_UserDenies_CliFailsNamingAccessDenied()
    {
        var approval = Task.CompletedTask;
        var failure = await Assert.ThrowsAsync<DeviceCliException>(() =>
            SignIn().RunAsync(challenge => approval = ApproveAsync(challenge, "deny"), CancellationToken.None));
        await approval;

        Assert.Contains("access_denied", failure.Message);
    }

    // The user on another device: signs in, follows verification_uri_complete, checks the code, decides.
    private async Task ApproveAsync(DeviceChallenge challenge, string decision)
    {
        var browser = new Browser(LoopbackHttp.Client(deployment.Issuer, new CookieContainer()));
        await OAuth.SignInAsync(browser, IdentityServerFactory.DemoEmail, IdentityServerFactory.DemoPassword);
        var consent = await browser.NavigateAsync(challenge.VerificationUriComplete!.PathAndQuery);
        Assert.Equal(challenge.UserCode, consent.Document?.QuerySelector("#device-code")?.TextContent);
        var done = await browser.SubmitAsync(consent, "#device-decision", submitter: ("consent_decision", decision));
        Assert.Equal(HttpStatusCode.OK, done.Response.StatusCode);
    }

    private DeviceSignIn SignIn()
    {
        // No appsettings files: the test's settings only.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DeviceCli:Issuer"] = deployment.Issuer.AbsoluteUri,
            ["DeviceCli:BoardApi"] = deployment.BoardA.BaseAddress.AbsoluteUri,
        });
        return builder.AddDeviceCli().Build().Services.GetRequiredService<DeviceSignIn>();
    }
}
