using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>HTTP Strict Transport Security (RFC 6797) the same way in every service.</summary>
public static class ServiceHsts
{
    public static IHostApplicationBuilder AddServiceHsts(this IHostApplicationBuilder builder)
    {
        // 180 days: long enough that a returning browser is always covered. Not includeSubDomains or preload, which
        // would bind other hosts of the domain, and are the domain owner's decision.
        builder.Services.Configure<HstsOptions>(options => options.MaxAge = TimeSpan.FromDays(180));
        return builder;
    }

    /// <summary>
    /// Outside Development only; the middleware itself sends it only on HTTPS requests, never for localhost. Behind a
    /// TLS-terminating proxy the request is HTTPS only through X-Forwarded-Proto from a trusted proxy (TrustedProxies).
    /// </summary>
    public static WebApplication UseServiceHsts(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        return app;
    }
}
