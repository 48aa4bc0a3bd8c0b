using Microsoft.AspNetCore.Authorization;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Validation.AspNetCore;

namespace RedisJwt.IdentityServer.Clients;

public static class ClientsSetup
{
    /// <summary>The scope the admin API requires, and the audience (resource) it grants (Seed:ApiScopes:admin).</summary>
    public const string AdminScope = "admin";
    public const string AdminAudience = "redisjwt-admin";
    public const string AdminRole = "admin";
    public const string AdminApiPolicy = "admin-api";

    /// <summary>
    /// Clients: the seed, the registry the /admin/clients API and the clients CLI share, and OpenIddict's application
    /// manager with this instance's snapshots of them, kept current over Redis.
    /// </summary>
    public static IHostApplicationBuilder AddClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.Section);
        builder.Services.AddScoped<ClientSeeder>();

        builder.Services.AddOpenIddict().AddCore(options =>
            options.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication, ClientApplicationManager>());
        builder.Services.AddSingleton<ClientSecretVerdicts>();
        builder.Services.AddSingleton<ClientSnapshots>();
        builder.Services.AddHostedService<ClientChangesListener>();

        builder.Services.AddScoped<ClientRulesSource>();
        builder.Services.AddScoped<ClientRegistry>();
        builder.Services.AddScoped<IAuthorizationHandler, CurrentAdminHandler>();

        // A resource server of this same issuer, like the /auth account endpoints (AuthApiSetup, which sets up the
        // local validation with the Redis revocation check): this adds the admin audience to what it accepts.
        builder.Services.AddOpenIddict().AddValidation(options => options.AddAudiences(AdminAudience));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminApiPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.HasScope(AdminScope) && context.User.HasAudience(AdminAudience))
                .AddRequirements(new CurrentAdminRequirement()));

        return builder;
    }
}
