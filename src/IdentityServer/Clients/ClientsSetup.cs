using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;

namespace RedisJwt.IdentityServer.Clients;

public static class ClientsSetup
{
    /// <summary>
    /// Clients: the seed, the registry the /admin/clients API and the clients CLI share, and OpenIddict's application
    /// manager with this instance's snapshots of them, kept current over Redis.
    /// </summary>
    public static IHostApplicationBuilder AddClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IPostConfigureOptions<SeedOptions>, ApiScopeResources>();
        builder.Services.AddSingleton<IValidateOptions<SeedOptions>, ApiScopeResources>();
        builder.Services.AddScoped<ClientSeeder>();

        builder.Services.AddOpenIddict().AddCore(options =>
            options.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication, ClientApplicationManager>());
        builder.Services.AddSingleton<ClientSecretVerdicts>();
        builder.Services.AddSingleton<ClientSnapshots>();
        builder.Services.AddHostedService<ClientChangesListener>();

        builder.Services.AddScoped<ClientRulesSource>();
        builder.Services.AddScoped<ClientRegistry>();

        return builder;
    }
}
