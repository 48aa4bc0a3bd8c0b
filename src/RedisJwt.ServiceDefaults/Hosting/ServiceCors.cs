using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using RedisJwt.Revocation.DPoP;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>The CORS policies every service offers, by name; each service decides which of its paths use which.</summary>
public static class ServiceCors
{
    /// <summary>Only the origins in Cors:AllowedOrigins: for APIs a browser app calls with a bearer token.</summary>
    public const string ConfiguredOrigins = "ConfiguredOrigins";

    /// <summary>Every origin, GET only: for public metadata such as discovery and JWKS.</summary>
    public const string AnyOrigin = "AnyOrigin";

    /// <summary>W3C Trace Context: a browser app's request starts the trace the API's spans continue.</summary>
    public const string TraceParentHeader = "traceparent";

    // Long enough to spare most calls their preflight, short enough for a configuration change to take effect soon.
    private static readonly TimeSpan PreflightMaxAge = TimeSpan.FromMinutes(10);

    public static IHostApplicationBuilder AddServiceCors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CorsSettings>()
            .BindConfiguration(CorsSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddCors();
        // Deferred, so origins from environment variables and test hosts (added after this call) apply.
        builder.Services.AddOptions<CorsOptions>().Configure<IOptions<CorsSettings>>((cors, settings) =>
        {
            // No credentials: callers send bearer tokens, never cookies, so a cross-origin page cannot borrow a session.
            cors.AddPolicy(ConfiguredOrigins, policy => policy
                .WithOrigins([.. settings.Value.AllowedOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete)
                .WithHeaders(HeaderNames.Authorization, HeaderNames.ContentType, TraceParentHeader, DPoPProofValidator.HeaderName)
                // A browser app needs these to back off (503), to tell why a token was refused (RFC 6750 3, RFC 9449 7.1)
                // and to put the server's nonce in its next DPoP proof (RFC 9449 8).
                .WithExposedHeaders(HeaderNames.RetryAfter, HeaderNames.WWWAuthenticate, "DPoP-Nonce")
                .SetPreflightMaxAge(PreflightMaxAge));

            cors.AddPolicy(AnyOrigin, policy => policy
                .AllowAnyOrigin()
                .WithMethods(HttpMethods.Get)
                .SetPreflightMaxAge(PreflightMaxAge));
        });

        return builder;
    }

    /// <summary>
    /// Applies <paramref name="policyName"/> to requests under any of <paramref name="pathPrefixes"/>, whether or not an
    /// endpoint is mapped there: OpenIddict answers some endpoints (revocation, discovery) inside UseAuthentication, and
    /// the CORS middleware answers preflight requests itself. Place it before UseAuthentication.
    /// </summary>
    public static IApplicationBuilder UseCorsUnder(this IApplicationBuilder app, string policyName,
        params PathString[] pathPrefixes) =>
        app.UseWhen(context => pathPrefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix)),
            branch => branch.UseCors(policyName));
}
