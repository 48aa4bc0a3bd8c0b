namespace RedisJwt.BoardSpa;

/// <summary>
/// Security headers for the SPA. The tokens live in this page's memory, so the CSP is the main defence: scripts
/// only from this origin (no inline script, no eval), network access only to the IdentityServer and BoardApi.
/// </summary>
public static class SpaHeaders
{
    public static void Apply(IHeaderDictionary headers, SpaSettings settings)
    {
        var authority = settings.Authority.GetLeftPart(UriPartial.Authority);
        var api = settings.BoardApi.GetLeftPart(UriPartial.Authority);
        headers.ContentSecurityPolicy = string.Join("; ",
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            $"connect-src 'self' {authority} {api}",
            $"form-action 'self' {authority}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'");
        headers.XContentTypeOptions = "nosniff";
        // The authorization code arrives in the URL: never leak it in a Referer.
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
    }
}
