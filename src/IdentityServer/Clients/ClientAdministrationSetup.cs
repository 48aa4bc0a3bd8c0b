using Microsoft.AspNetCore.Authorization;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace RedisJwt.IdentityServer.Clients;

public static class ClientAdministrationSetup
{
    /// <summary>The scope the admin API requires, and the audience (resource) it grants (Seed:ApiScopes:admin).</summary>
    public const string AdminScope = "admin";
    public const string AdminAudience = "redisjwt-admin";
    public const string AdminRole = "admin";
    public const string AdminApiPolicy = "admin-api";

    /// <summary>The client registry, used by the /admin/clients API and the clients CLI, and the API's bearer policy.</summary>
    public static IHostApplicationBuilder AddClientAdministration(this IHostApplicationBuilder builder)
    {
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
