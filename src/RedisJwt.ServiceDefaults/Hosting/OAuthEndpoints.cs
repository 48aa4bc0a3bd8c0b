using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// The endpoints whose clients read RFC 6749 5.2 error bodies (token, introspection, revocation, userinfo), listed by
/// the OpenID Connect server's setup. There a dependency outage (<see cref="DependencyUnavailableHandler"/>) and a
/// malformed request (<see cref="MalformedInputGuard"/>) are answered with an OAuth error, elsewhere with problem details.
/// </summary>
public sealed class OAuthEndpointOptions
{
    public List<PathString> Paths { get; } = [];
}

public static class OAuthErrorResponse
{
    /// <summary>RFC 6749 5.2: a JSON object with <c>error</c> and <c>error_description</c>, never stored (as in 5.1).</summary>
    public static async Task WriteAsync(HttpContext context, int statusCode, string error, string description)
    {
        context.Response.StatusCode = statusCode;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        context.Response.ContentType = "application/json;charset=UTF-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, new Dictionary<string, string>
        {
            ["error"] = error,
            ["error_description"] = description,
        }, cancellationToken: context.RequestAborted);
    }
}
