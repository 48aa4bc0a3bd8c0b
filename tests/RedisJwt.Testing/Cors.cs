namespace RedisJwt.Testing;

/// <summary>Requests as a browser sends them from a page on another origin (Fetch, CORS protocol).</summary>
public static class Cors
{
    /// <summary>The preflight before a request with a bearer token and a JSON or form body.</summary>
    public static async Task<HttpResponseMessage> PreflightAsync(HttpClient client, string path, string origin, string method)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,dpop");
        return await client.SendAsync(request);
    }

    public static HttpRequestMessage From(this HttpRequestMessage request, string origin)
    {
        request.Headers.Add("Origin", origin);
        return request;
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>A comma-separated header's items, lower-cased and sorted (CORS header names are case-insensitive).</summary>
    public static string[] HeaderItems(HttpResponseMessage response, string name) =>
        (Header(response, name) ?? "").ToLowerInvariant()
        .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order().ToArray();

    /// <summary>
    /// A preflight the configured-origins policy allowed: the origin echoed, the method, Authorization,
    /// Content-Type, traceparent (W3C Trace Context) and DPoP (RFC 9449), ten minutes of caching, and no credentials (bearer tokens, not cookies: a cross-origin page
    /// never rides on the user's session).
    /// </summary>
    public static void AssertPreflightAllowed(HttpResponseMessage response, string origin, string method)
    {
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains(method.ToLowerInvariant(), HeaderItems(response, "Access-Control-Allow-Methods"));
        Assert.Equal(["authorization", "content-type", "dpop", "traceparent"], HeaderItems(response, "Access-Control-Allow-Headers"));
        Assert.Equal("600", Header(response, "Access-Control-Max-Age"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }
}
