using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.ServiceDefaults.RateLimiting;

/// <summary>The answers to a refused request, for APIs: RFC 9457 problem details with Retry-After.</summary>
public static class RateLimitResults
{
    /// <summary>
    /// 429 (RFC 6585 4) when over the limit, or 503 when a fail-closed policy cannot reach Redis; either way with
    /// Retry-After in seconds (RFC 9110 10.2.3), written through IProblemDetailsService when the app registered it.
    /// </summary>
    public static IResult Refused(RateLimitDecision decision)
    {
        if (decision.Allowed)
        {
            throw new ArgumentException("An allowed request has nothing to refuse.", nameof(decision));
        }

        var seconds = decision.RetryAfterSeconds;
        var problem = decision.RedisUnavailable
            ? TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable",
                detail: $"The rate limit cannot be checked right now, so nothing was done. Try again in {seconds} seconds.")
            : TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                detail: $"Too many requests of this kind. Try again in {seconds} seconds.",
                type: "https://tools.ietf.org/html/rfc6585#section-4");
        return Unavailable.WithRetryAfter(problem, seconds);
    }

    /// <summary>Sets Retry-After, e.g. on a page that shows the refusal its own way.</summary>
    public static void SetRetryAfter(HttpResponse response, RateLimitDecision decision) =>
        response.Headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
}
