using Microsoft.AspNetCore.Authorization;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace RedisJwt.IdentityServer.Admin;

public static class AdminSetup
{
    public const string AdminRole = "admin";

    /// <summary>Every admin API (clients, users' sessions) is under it; so is a 404 for a path it does not map.</summary>
    public const string ApiPrefix = "/admin";

    /// <summary>The scope a token for the admin API requires, and the audience (resource) it grants (Seed:ApiScopes:admin).</summary>
    public const string AdminScope = "admin";
    public const string AdminAudience = "redisjwt-admin";

    /// <summary>An admin signed in with the Identity cookie, on this server's own pages (/admin/users).</summary>
    public const string CookiePolicy = "admin";

    /// <summary>An admin's (or an admin client's) bearer token for the admin API (/admin/clients); no cookie is read.</summary>
    public const string TokenPolicy = "admin-api";

    /// <summary>
    /// Who is an admin, for every admin endpoint: one requirement, checked live by <see cref="CurrentAdminHandler"/>.
    /// One policy per way in, since a policy that accepted both would let a cookie reach /admin/clients (no CSRF
    /// defence there) and a token reach /admin/users.
    /// </summary>
    public static IHostApplicationBuilder AddAdmin(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<IAuthorizationHandler, CurrentAdminHandler>();

        // A resource server of this same issuer, like the /auth account endpoints (AuthApiSetup, which sets up the
        // local validation with the Redis revocation check): this adds the admin audience to what it accepts.
        builder.Services.AddOpenIddict().AddValidation(options => options.AddAudiences(AdminAudience));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(CookiePolicy, policy => policy
                .RequireAuthenticatedUser()
                .AddRequirements(new CurrentAdminRequirement()))
            .AddPolicy(TokenPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.HasScope(AdminScope) && context.User.HasAudience(AdminAudience))
                .AddRequirements(new CurrentAdminRequirement()));

        return builder;
    }
}
