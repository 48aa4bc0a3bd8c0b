namespace RedisJwt.ServiceDefaults.RateLimiting;

/// <summary>
/// The answer for one request. <paramref name="RetryAfter"/> is the time until the next permit when refused (zero
/// when allowed). <paramref name="RedisUnavailable"/>: Redis could not be asked, so the policy's
/// <see cref="RedisUnavailableBehavior"/> decided (then <paramref name="Allowed"/> is true only for
/// <see cref="RedisUnavailableBehavior.Allow"/>).
/// </summary>
public sealed record RateLimitDecision(bool Allowed, TimeSpan RetryAfter, bool RedisUnavailable)
{
    /// <summary>For the Retry-After header (RFC 9110 10.2.3): whole seconds, rounded up, at least 1.</summary>
    public int RetryAfterSeconds => (int)Math.Clamp(Math.Ceiling(RetryAfter.TotalSeconds), 1, int.MaxValue);
}
