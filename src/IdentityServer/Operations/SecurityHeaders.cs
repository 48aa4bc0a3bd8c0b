using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.Operations;

/// <summary>
/// Browser protections for the pages a user signs in on: a Content-Security-Policy without inline script, no framing
/// (clickjacking of the login and consent forms), no MIME sniffing, no Referer (these URLs carry codes and state).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The one inline script of OpenIddict's form_post response page (OAuth 2.0 Form Post Response Mode), which submits
    /// the page's form. Tests check it against the page OpenIddict really writes, so an upgrade that changes it fails.
    /// </summary>
    public const string FormPostScript = "document.form.submit();";

    /// <summary>For every HTML page: the pages load their stylesheet from this origin and run no script at all.</summary>
    public static readonly string ContentSecurityPolicy = Policy(scriptSources: "'self'");

    /// <summary>For the form_post page only: also that page's own script, by its hash (CSP Level 2, "hash-source").</summary>
    public static readonly string FormPostContentSecurityPolicy = Policy(scriptSources: $"'self' '{Sha256Source(FormPostScript)}'");

    public static IHostApplicationBuilder AddSecurityHeaders(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHsts();
        builder.Services.AddOpenIddict().AddServer(options => options.AddEventHandler(AllowFormPostScript.Descriptor));
        return builder;
    }

    /// <summary>
    /// HSTS outside Development, and the headers below on every response, set as it starts so that pages written by
    /// OpenIddict, the status code pages and the exception handler get them too. Place it after UseExceptionHandler,
    /// which clears the headers set before it.
    /// </summary>
    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.UseServiceHsts();
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state => Apply(((HttpContext)state).Response), context);
            return next(context);
        });
        return app;
    }

    public static string Sha256Source(string script) =>
        $"sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script)))}";

    /// <summary>For the front-channel logout page: the usual policy, and these origins (and only these) in its iframes.</summary>
    public static string PolicyFraming(IReadOnlyCollection<string> frameOrigins) =>
        Policy(scriptSources: "'self'") + $"; frame-src {(frameOrigins.Count == 0 ? "'none'" : string.Join(' ', frameOrigins))}";

    // No form-action: the form_post page posts to the client's redirect URI, on another origin.
    private static string Policy(string scriptSources) =>
        $"default-src 'self'; script-src {scriptSources}; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
        "base-uri 'self'; frame-ancestors 'none'";

    private static Task Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        // On redirects too: a redirect's Referrer-Policy governs the Referer of the request it leads to (Fetch 4.4).
        headers["Referrer-Policy"] = "no-referrer";

        if (MediaTypeHeaderValue.TryParse(response.ContentType, out var type)
            && type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
        {
            // The form_post page has its own policy already (AllowFormPostScript).
            if (!headers.ContainsKey(HeaderNames.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
            }

            // frame-ancestors supersedes it where supported (CSP Level 2); this is for browsers without it.
            headers.XFrameOptions = "DENY";
        }

        return Task.CompletedTask;
    }
}
