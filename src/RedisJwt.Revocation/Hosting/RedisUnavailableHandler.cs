using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RedisJwt.Revocation.Hosting;

/// <summary>
/// Whatever still needs Redis and finds it unreachable (e.g. the Data Protection key ring behind a page's antiforgery
/// token on a fresh instance) answers 503 with Retry-After: the client should retry, it did nothing wrong.
/// </summary>
public sealed class RedisUnavailableHandler(IProblemDetailsService problems, ILogger<RedisUnavailableHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (cause is RedisException or RedisTimeoutException)
            {
                logger.LogWarning("Answered 503: Redis is unavailable ({Message}).", cause.Message);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = Unavailable.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return await problems.TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    Exception = exception,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status503ServiceUnavailable,
                        Title = "Service unavailable",
                        Detail = "A service this request needs is unreachable right now; try again shortly.",
                    },
                });
            }
        }

        return false;
    }
}
