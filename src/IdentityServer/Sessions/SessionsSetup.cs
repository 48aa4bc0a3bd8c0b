namespace RedisJwt.IdentityServer.Sessions;

public static class SessionsSetup
{
    /// <summary>Login sessions in Redis: their store, their limits, and how a sign-in starts one.</summary>
    public static IHostApplicationBuilder AddSessions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SessionSettings>()
            .BindConfiguration(SessionSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddScoped<SessionSignIn>();
        return builder;
    }
}
