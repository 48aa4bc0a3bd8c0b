namespace RedisJwt.IdentityServer.Consent;

public static class ConsentSetup
{
    /// <summary>What users allowed which apps: read by the consent page and the connected-apps page.</summary>
    public static IHostApplicationBuilder AddConsent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ConsentStore>();
        builder.Services.AddScoped<ScopeDescriptions>();
        return builder;
    }
}
