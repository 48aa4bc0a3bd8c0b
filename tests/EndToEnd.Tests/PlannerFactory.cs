using AcmePlanner;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// samples/ThirdPartyWeb on the test host, connected to <paramref name="deployment"/>. Its clients send the Host
/// 127.0.0.1:5003, so the redirect URI it builds is the one the seed registers for third-party-demo.
/// </summary>
public sealed class PlannerFactory(SampleDeployment deployment) : WebApplicationFactory<ThirdPartyWebMarker>
{
    public static readonly Uri Address = new("http://127.0.0.1:5003/");

    /// <summary>The planner's clock: moving it on makes the user's access token look expired to the planner only.</summary>
    public ShiftedClock Clock { get; } = new();

    /// <summary>Everything the planner logs.</summary>
    public LogCapture Logs { get; } = new();

    private readonly string _keys = Path.Combine(Path.GetTempPath(), $"planner-keys-{Guid.NewGuid():N}");

    /// <summary>A browser on the planner: keeps its cookies, stops at redirects to the IdentityServer.</summary>
    public Browser CreateBrowser() => new(CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = Address,
        AllowAutoRedirect = false,
        HandleCookies = true,
    }));

    /// <summary>
    /// A user at the IdentityServer connects the planner in a new planner browser, answering the consent page. A new
    /// user registers and signs in first, unless <paramref name="user"/> is given: then their session (the same sid).
    /// </summary>
    public async Task<(Browser Planner, Navigation Page, SignedInSpa User)> ConnectAsync(bool acceptConsent = true, SignedInSpa? user = null)
    {
        user ??= (await Deployment.RegisterAndSignInAsync(deployment.IdentityA)).Session;
        var planner = CreateBrowser();
        var authorize = (await planner.NavigateAsync("/signin")).ExternalRedirect!;

        var (_, callback) = await OAuth.AuthorizeAsync(user.Browser, authorize.PathAndQuery, acceptConsent);

        return (planner, await planner.NavigateAsync(QueryHelpers.AddQueryString("/signin-oidc", callback!)), user);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        // Settings, not app configuration: Program reads the keys folder while building, before that is added.
        builder.UseSetting("Oidc:Authority", deployment.Issuer.AbsoluteUri);
        builder.UseSetting("Oidc:ClientSecret", IdentityServerFactory.ThirdPartySecret);
        builder.UseSetting("BoardApi:BaseUrl", deployment.BoardA.BaseAddress.AbsoluteUri);
        builder.UseSetting("DataProtection:KeysFolder", _keys);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock).AddSingleton<ILoggerProvider>(Logs));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_keys))
        {
            Directory.Delete(_keys, recursive: true);
        }
    }
}
