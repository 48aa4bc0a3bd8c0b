using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RedisJwt.ServiceDefaults.Telemetry;

/// <summary>
/// What a handler knows of the caller that the request's principal does not say, e.g. the token endpoint's client
/// and user, for the access log line.
/// </summary>
public sealed class AccessLogFields
{
    public string? ClientId { get; set; }

    public string? Subject { get; set; }
}

/// <summary>
/// One line per request under <see cref="LogCategories.Access"/>, and one more under
/// <see cref="LogCategories.SlowRequests"/> when it took longer than the threshold. The route template rather than
/// the path where there is one (no ids), never the query string (it can carry codes and tokens).
/// </summary>
public sealed partial class AccessLogMiddleware(RequestDelegate next, ILoggerFactory loggers, IOptions<TelemetrySettings> settings)
{
    private readonly ILogger _access = loggers.CreateLogger(LogCategories.Access);
    private readonly ILogger _slow = loggers.CreateLogger(LogCategories.SlowRequests);

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var path = (context.Request.PathBase + context.Request.Path).ToString();
        var fields = new AccessLogFields();
        context.Features.Set(fields);
        var failed = false;
        try
        {
            await next(context);
        }
        catch
        {
            failed = true; // Unhandled: the server answers 500.
            throw;
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var slow = elapsed > settings.Value.SlowRequestThreshold;
            if (slow || _access.IsEnabled(LogLevel.Information))
            {
                Write(context, path, fields, failed, elapsed, slow);
            }
        }
    }

    // Only when a line is written: with the access log filtered out, nothing is looked up or formatted.
    private void Write(HttpContext context, string path, AccessLogFields fields, bool failed, TimeSpan elapsed, bool slow)
    {
        // As the client sent it: a request translated in place (/auth/login into a token request) under its own path.
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } pattern
            && path == (context.Request.PathBase + context.Request.Path).ToString()
            ? "/" + pattern.TrimStart('/')
            : path;
        var status = failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
        var clientId = fields.ClientId ?? Claim(context.User, "client_id") ?? Claim(context.User, "azp");
        var subject = fields.Subject ?? Claim(context.User, "sub") ?? Claim(context.User, ClaimTypes.NameIdentifier);
        LogAccess(_access, context.Request.Method, route, status, elapsed.TotalMilliseconds, clientId, subject);
        if (slow)
        {
            LogSlow(_slow, context.Request.Method, route, status, elapsed.TotalMilliseconds, settings.Value.SlowRequestThreshold.TotalMilliseconds);
        }
    }

    private static string? Claim(ClaimsPrincipal user, string type) =>
        user.Identity?.IsAuthenticated == true ? user.FindFirst(type)?.Value : null;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "{Method} {Route} {StatusCode} in {DurationMs:0.0} ms (client {ClientId}, subject {Subject})")]
    private static partial void LogAccess(ILogger logger, string method, string route, int statusCode, double durationMs,
        string? clientId, string? subject);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Slow request: {Method} {Route} {StatusCode} took {DurationMs:0.0} ms (threshold {ThresholdMs} ms)")]
    private static partial void LogSlow(ILogger logger, string method, string route, int statusCode, double durationMs, double thresholdMs);
}
