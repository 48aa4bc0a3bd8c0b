namespace RedisJwt.IdentityServer.Shared;

/// <summary>The one same-origin rule every cookie-authenticated API group applies as an endpoint filter.</summary>
public static class SameOrigin
{
    /// <summary>
    /// CSRF defence for the cookie-authenticated APIs (own sessions, admin users; SameSite=Lax still sends the cookie
    /// from sibling subdomains): a browser request that changes something must come from this origin. Browsers send
    /// Sec-Fetch-Site and Origin; clients without them are not browsers, and cannot be tricked into sending a cookie.
    /// </summary>
    public static async ValueTask<object?> ChangesOnly(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
            var origin = request.Headers.Origin.ToString();
            var ownOrigin = $"{request.Scheme}://{request.Host}";
            if ((fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
                || (origin.Length > 0 && !string.Equals(origin, ownOrigin, StringComparison.OrdinalIgnoreCase)))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                    detail: "Cross-origin requests cannot change sessions.");
            }
        }

        return await next(context);
    }
}
