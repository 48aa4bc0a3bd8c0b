using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using RedisJwt.IdentityServer.Connect;

namespace RedisJwt.IdentityServer.Admin;

public static class AdminSetup
{
    public const string AdminRole = "admin";

    /// <summary>Every admin API (clients, users' sessions) is under it; so is a 404 for a path it does not map.</summary>
    public const string ApiPrefix = "/admin";

    /// <summary>
    /// The scope a token for the admin API requires; the audience (resource) it grants is {issuer}admin
    /// (<see cref="Connect.OwnApiResources.Admin"/>).
    /// </summary>
    public const string AdminScope = "admin";

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
        // local validation with the Redis revocation check): this adds the admin audience to what it accepts. Deferred,
        // as the issuer is a setting.
        builder.Services.AddOptions<OpenIddictValidationOptions>().Configure<IOptions<ServerSettings>>((validation, server) =>
            validation.Audiences.Add(OwnApiResources.Admin(server.Value.Issuer!)));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(CookiePolicy, policy => policy
                .RequireAuthenticatedUser()
                .AddRequirements(new CurrentAdminRequirement()));
        builder.Services.AddOptions<AuthorizationOptions>().Configure<IOptions<ServerSettings>>((authorization, server) =>
        {
            var audience = OwnApiResources.Admin(server.Value.Issuer!);
            authorization.AddPolicy(TokenPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.HasScope(AdminScope) && context.User.HasAudience(audience))
                .AddRequirements(new CurrentAdminRequirement()));
        });

        return builder;
    }
}
