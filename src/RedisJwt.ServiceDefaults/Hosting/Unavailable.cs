using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Http.HttpResults;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>Problem details that carry Retry-After (RFC 9110 10.2.3), for 503 and 429 answers.</summary>
public static class Unavailable
{
    /// <summary>How long a client should wait after a 503 caused by a dependency (Redis) being unreachable.</summary>
    public const int RetryAfterSeconds = 5;

    public static RetryAfterProblem Problem(string detail) =>
        WithRetryAfter(TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable",
            detail: detail), RetryAfterSeconds);

    public static RetryAfterProblem WithRetryAfter(ProblemHttpResult problem, int seconds) => new(problem, seconds);

    /// <summary>From an exception handler: the request failed because a dependency is unreachable; the client may retry.</summary>
    public static ValueTask<bool> WriteAsync(IProblemDetailsService problems, HttpContext context, Exception exception)
    {
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return problems.TryWriteAsync(new ProblemDetailsContext
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

    /// <summary>A result type of its own, so that an endpoint can declare it among its <c>Results&lt;...&gt;</c>.</summary>
    public sealed class RetryAfterProblem(ProblemHttpResult problem, int seconds) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
    {
        /// <summary>A 503 problem, for the endpoint's OpenAPI description.</summary>
        public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
            builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(ProblemDetails),
                ["application/problem+json"]));

        public int? StatusCode => problem.StatusCode;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return problem.ExecuteAsync(httpContext);
        }
    }
}
