namespace RedisJwt.ServiceDefaults.RateLimiting;

/// <summary>
/// The rate limit a request was refused by, set on <c>HttpContext.Features</c> where it was refused, so whatever writes
/// the answer later (e.g. an OAuth error response) can make it a 429 with the right Retry-After rather than a 503.
/// </summary>
public interface IRateLimitRefusalFeature
{
    RateLimitDecision Refusal { get; }
}

public sealed class RateLimitRefusalFeature(RateLimitDecision refusal) : IRateLimitRefusalFeature
{
    public RateLimitDecision Refusal { get; } = refusal;
}
