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
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
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
}
