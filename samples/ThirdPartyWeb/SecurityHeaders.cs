namespace AcmePlanner;

/// <summary>
/// Browser protections on every response: a Content-Security-Policy that allows no inline script (the pages run no
/// script at all) and only this origin's stylesheet, no framing, no MIME sniffing, no Referer to other sites.
/// </summary>
public static class SecurityHeaders
{
    // No form-action: the sign-out form's redirect goes on to the Board's end-session endpoint, on another origin.
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
        "base-uri 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpContext)state).Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            // Redirects carry codes and state in their URLs; no page needs to tell another site where it came from.
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }, context);
        return next(context);
    });
}
