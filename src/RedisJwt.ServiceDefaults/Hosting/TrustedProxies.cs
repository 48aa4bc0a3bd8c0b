using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// Behind a TLS-terminating load balancer, a request arrives as plain HTTP from the balancer's address. From the
/// proxies in ForwardedHeaders:KnownProxies / KnownNetworks only, X-Forwarded-Proto, -Host and -For restore what the
/// client sent: the https scheme (HSTS, secure cookies, OpenIddict's transport security check, same-origin checks),
/// the public host (absolute redirects) and the client's address (sessions, per-IP rate limits, alerts).
/// </summary>
public static class TrustedProxies
{
    public static IHostApplicationBuilder AddTrustedProxies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrustedProxiesSettings>()
            .BindConfiguration(TrustedProxiesSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxiesSettings>>((forwarded, settings) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // ASP.NET Core trusts loopback by default; here only what is configured counts. ForwardLimit stays 1: one
            // proxy, whose own entry (the last) is the only one it vouches for.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in settings.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in settings.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        // A startup filter puts the middleware first in the pipeline, before anything reads the scheme or address.
        builder.Services.AddTransient<IStartupFilter, ForwardedHeadersFirst>();
        return builder;
    }

    private sealed class ForwardedHeadersFirst(IOptions<TrustedProxiesSettings> settings) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            // With both lists empty the middleware would believe every sender (it checks the lists only when one is
            // set), so without a configured proxy it is not added at all.
            if (settings.Value.TrustsAnyProxy)
            {
                app.UseForwardedHeaders();
            }

            next(app);
        };
    }
}
