using RedisJwt.ServiceDefaults.Telemetry;

namespace RedisJwt.IdentityServer.Telemetry;

public static class IdentityTelemetrySetup
{
    /// <summary>
    /// The shared telemetry (<see cref="TelemetrySetup.AddServiceTelemetry"/>) plus the IdentityServer's own events:
    /// tokens issued, revocations, sign-ins, lockouts, active sessions.
    /// </summary>
    public static WebApplicationBuilder AddIdentityTelemetry(this WebApplicationBuilder builder)
    {
        builder.AddServiceTelemetry("identityserver");
        builder.Services.AddOptions<IdentityTelemetrySettings>()
            .BindConfiguration(IdentityTelemetrySettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<AuthEvents>();
        builder.Services.AddHostedService<ActiveSessions>();
        builder.Services.AddOpenIddict().AddServer(options => options
            .AddEventHandler(CountIssuedTokens.Descriptor)
            .AddEventHandler(NameAuthenticatedClient.Descriptor));
        return builder;
    }
}
