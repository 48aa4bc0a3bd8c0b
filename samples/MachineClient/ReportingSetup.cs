using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenIddict.Client;

namespace ReportingService;

public static class ReportingSetup
{
    /// <summary>
    /// OpenIddict's client (the library the server is built on, maintained with it): it reads discovery from the
    /// issuer, authenticates with the client secret and validates the token response.
    /// </summary>
    public static HostApplicationBuilder AddReporting(this HostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ReportingSettings.Section).Get<ReportingSettings>() ?? new ReportingSettings();
        if (string.IsNullOrWhiteSpace(settings.ClientSecret))
        {
            throw new ReportingException(
                $"{ReportingSettings.Section}:ClientSecret is not set: give it in configuration or as the environment variable {ReportingSettings.Section}__ClientSecret.");
        }

        builder.Services.AddSingleton(settings);
        builder.Services.AddOpenIddict().AddClient(options =>
        {
            // Client credentials only: no user, no redirects, so no state tokens to sign and nothing to store.
            options.AllowClientCredentialsFlow();
            options.DisableTokenStorage();
            options.UseSystemNetHttp().SetProductInformation(typeof(ReportingSetup).Assembly);
            options.AddRegistration(new OpenIddictClientRegistration
            {
                Issuer = settings.Issuer,
                ClientId = settings.ClientId,
                ClientSecret = settings.ClientSecret,
            });
        });
        builder.Services.AddHttpClient<ReportingJob>(client => client.BaseAddress = settings.BoardApi);
        return builder;
    }
}
