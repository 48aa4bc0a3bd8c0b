using System.Data.Common;
using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// A request that finds Redis or PostgreSQL unreachable (for PostgreSQL: refused, timed out, pool exhausted, shutting
/// down, what Npgsql marks transient) answers 503 with Retry-After, never 500: the client did nothing wrong and should
/// retry. At an OAuth endpoint the body is the error <c>temporarily_unavailable</c>; elsewhere RFC 9457 problem details.
/// </summary>
public sealed class DependencyUnavailableHandler(IProblemDetailsService problems, IOptions<OAuthEndpointOptions> oauth,
    ILogger<DependencyUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (UnavailableDependency(exception) is not { } dependency)
        {
            return false;
        }

        logger.LogWarning("Answered 503: {Dependency} is unavailable ({Message}).", dependency.Name, dependency.Cause.Message);
        if (!oauth.Value.Paths.Contains(context.Request.Path))
        {
            return await Unavailable.WriteAsync(problems, context, exception);
        }

        context.Response.Headers.RetryAfter = Unavailable.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await OAuthErrorResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable",
            "A service this request needs is unreachable right now; retry shortly.");
        return true;
    }

    // Server replies that mean "not now" (loading, failing over, a read-only replica), not a bug in the command:
    // CROSSSLOT, WRONGTYPE and the like stay 500s, so a key-schema mistake is not hidden as an outage.
    private static readonly string[] TransientRedisReplies = ["LOADING", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "BUSY"];

    /// <summary>The unreachable dependency behind <paramref name="exception"/>, if that is what it is.</summary>
    public static (string Name, Exception Cause)? UnavailableDependency(Exception exception)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case RedisConnectionException or RedisTimeoutException:
                case RedisServerException server when TransientRedisReplies.Any(reply => server.Message.StartsWith(reply, StringComparison.Ordinal)):
                    return ("Redis", cause);
                case DbException { IsTransient: true }:
                    return ("the database", cause);
            }
        }

        return null;
    }
}

public static class DependencyUnavailableSetup
{
    /// <summary>Registers <see cref="DependencyUnavailableHandler"/> once, however many setups ask for it.</summary>
    public static IServiceCollection AddDependencyUnavailableHandler(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IExceptionHandler, DependencyUnavailableHandler>());
        return services;
    }
}
