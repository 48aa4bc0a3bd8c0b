using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Account.SignUp;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.Shared;

namespace RedisJwt.IdentityServer.Account;

public static class AccountSetup
{
    public const string LoginPath = "/Account/Login";

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddIdentity<ApplicationUser, IdentityRole>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 8;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddEntityFrameworkStores<ApplicationDbContext>()
            .AddUserManager<ApplicationUserManager>()
            .AddDefaultTokenProviders();
        builder.Services.Replace(ServiceDescriptor.Singleton<ILookupNormalizer, CompatibilityLookupNormalizer>());
        builder.Services.AddScoped<CredentialCheck>();
        builder.Services.AddScoped<Registration>();
        builder.AddHardenedAntiforgery();

        builder.Services.ConfigureApplicationCookie(options =>
        {
            BrowserCookies.Harden(options.Cookie, BrowserCookies.SignInName, builder.Environment);
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.LoginPath = LoginPath;
            options.LogoutPath = "/" + Connect.OpenIddictSetup.EndSessionPath;
            // APIs answer 401/403 instead of redirecting to the login page.
            options.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
            // Besides Identity's security-stamp check, the cookie lives only as long as its session: ending the
            // session (logout elsewhere, "log out everywhere", an admin) signs this browser out too.
            options.Events.OnValidatePrincipal = async context =>
            {
                await SecurityStampValidator.ValidatePrincipalAsync(context);
                if (context.Principal is { } principal
                    && (principal.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value is not { } userId
                        || principal.GetSessionId() is not { } sid
                        || !await SessionSignIn.IsAliveAsync(context.HttpContext, userId, sid)))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                }
            };
        });

        // The security stamp check rebuilds the principal from the store every few minutes; keep the session id and
        // the time the user authenticated (a refresh is no authentication: max_age is measured from the sign-in).
        builder.Services.Configure<SecurityStampValidatorOptions>(options =>
            options.OnRefreshingPrincipal = context =>
            {
                if (context.NewPrincipal?.Identity is System.Security.Claims.ClaimsIdentity identity && context.CurrentPrincipal is { } current)
                {
                    identity.AddClaims(SessionClaims.OfTheSignIn(current));
                }

                return Task.CompletedTask;
            });

        return builder;
    }

    private static Task RedirectOrStatus(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        // APIs answer with a status (and problem details), pages with a redirect to the login page.
        if (PagesSetup.IsApi(context.Request.Path))
        {
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }
}
