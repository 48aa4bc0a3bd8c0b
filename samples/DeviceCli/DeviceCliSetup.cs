using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeviceCli;

public static class DeviceCliSetup
{
    /// <summary>
    /// OpenIddict's client for the device flow: discovery from the issuer, the device authorization request, polling
    /// with the server's interval (and slow_down), the token response and ID token validated. Settings from the
    /// "DeviceCli" section (DeviceCli__Issuer and so on in the environment); the defaults are the demo's (run.sh).
    /// </summary>
    public static HostApplicationBuilder AddDeviceCli(this HostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(DeviceCliSettings.Section).Get<DeviceCliSettings>() ?? new DeviceCliSettings();
        // The terminal is for the user: the client's own logs only when something is wrong.
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("OpenIddict", LogLevel.Critical).AddFilter("System.Net.Http", LogLevel.Warning);

        builder.Services.AddSingleton(settings);
        builder.Services.AddOpenIddict().AddClient(options =>
        {
            // Nothing is redirected back to this app: no state tokens to protect, nothing to store.
            options.AllowDeviceAuthorizationFlow().AllowRefreshTokenFlow();
            options.DisableTokenStorage();
            options.UseSystemNetHttp().SetProductInformation(typeof(DeviceSignIn).Assembly);
            options.AddRegistration(new() { Issuer = settings.Issuer, ClientId = settings.ClientId });
        });
        builder.Services.AddHttpClient<DeviceSignIn>(client => client.BaseAddress = settings.BoardApi);
        return builder;
    }
}
