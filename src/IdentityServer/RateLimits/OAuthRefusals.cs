using System.Globalization;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>
/// A rate limit's refusal at an OAuth endpoint: the error <c>temporarily_unavailable</c> (RFC 6749 5.2's code for
/// "cannot handle the request now"), answered 429 with Retry-After, or 503 while Redis cannot count
/// (<see cref="TokenRevocation.UnavailableStatus{TContext}"/> reads the refusal remembered here).
/// </summary>
public static class OAuthRefusals
{
    /// <summary>The limit this request was refused by, so its answer can be a 429 with the right Retry-After.</summary>
    public static void Remember(HttpContext context, RateLimitDecision refused) =>
        context.Features.Set<IRateLimitRefusalFeature>(new RateLimitRefusalFeature(refused));

    public static string Describe(RateLimitDecision refused) => refused.RedisUnavailable
        ? "Requests cannot be counted right now; retry shortly."
        : $"Too many requests; retry in {refused.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture)} seconds.";
}
