using Microsoft.AspNetCore.Antiforgery;

namespace RedisJwt.IdentityServer.Account;

/// <summary>
/// The cookies this server sets in browsers: the sign-in cookie and the antiforgery cookie. Outside Development they
/// are Secure and carry the <c>__Host-</c> prefix, which browsers accept only from a secure origin, with Path=/ and no
/// Domain: a sibling subdomain can then neither read nor plant them (RFC 6265bis 4.1.3.2, session fixation and
/// login CSRF through a cookie set for the parent domain). Development keeps plain names, so http://127.0.0.1 works.
/// </summary>
public static class BrowserCookies
{
    public const string SignInName = "redisjwt.identity";
    public const string AntiforgeryName = "redisjwt.antiforgery";
    public const string HostPrefix = "__Host-";

    public static void Harden(CookieBuilder cookie, string name, IHostEnvironment environment)
    {
        cookie.HttpOnly = true;
        cookie.SameSite = SameSiteMode.Lax;
        cookie.Path = "/";
        cookie.Domain = null;
        if (environment.IsDevelopment())
        {
            cookie.Name = name;
            cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        }
        else
        {
            cookie.Name = HostPrefix + name;
            cookie.SecurePolicy = CookieSecurePolicy.Always;
        }
    }

    public static IHostApplicationBuilder AddHardenedAntiforgery(this IHostApplicationBuilder builder)
    {
        var environment = builder.Environment;
        builder.Services.Configure<AntiforgeryOptions>(options => Harden(options.Cookie, AntiforgeryName, environment));
        return builder;
    }
}
