using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.DynamicRegistration;

public static class DynamicRegistrationSetup
{
    /// <summary>
    /// Dynamic client registration (RFC 7591) and management (RFC 7592) on top of the client registry, the initial
    /// access tokens admins issue for it, and discovery's registration_endpoint.
    /// </summary>
    public static IHostApplicationBuilder AddDynamicRegistration(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DynamicRegistrationSettings>().BindConfiguration(DynamicRegistrationSettings.Section).ValidateOnStart();
        builder.Services.AddSingleton<RegistrationEvents>();
        builder.Services.AddScoped<InitialAccessTokens>();
        builder.Services.AddScoped<DynamicRegistrations>();
        builder.Services.AddScoped<SelfRegisteredClients>();

        // Malformed input and outages at /connect/register answer RFC 6749-style errors, like the other OAuth endpoints.
        builder.Services.Configure<OAuthEndpointOptions>(oauth => oauth.Paths.Add("/" + DynamicRegistrations.RegisterPath));
        builder.Services.AddOpenIddict().AddServer(options => options.AddEventHandler(AdvertiseRegistrationEndpoint.Descriptor));
        return builder;
    }
}
