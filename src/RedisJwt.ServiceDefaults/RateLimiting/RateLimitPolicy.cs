namespace RedisJwt.ServiceDefaults.RateLimiting;

/// <summary>What a limiter does when Redis cannot be asked.</summary>
public enum RedisUnavailableBehavior
{
    /// <summary>Fail closed: refuse (503 on an API), for what must never go uncounted, such as writes and sign-in.</summary>
    Reject,

    /// <summary>Fail open: let the request through uncounted, where availability matters more than the quota.</summary>
    Allow,
}

/// <summary>
/// One named limit, the section <c>RateLimits:Policies:{name}</c>: a bucket of <see cref="PermitLimit"/> requests
/// per partition (e.g. per user) that refills evenly over <see cref="Window"/>, shared by every instance through
/// Redis. Declared in code with defaults (<see cref="RateLimitingSetup.AddRateLimitPolicy"/>); configuration
/// overrides them.
/// </summary>
public sealed class RateLimitPolicy
{
    public const string Section = "RateLimits:Policies";

    /// <summary>Requests allowed at once (the burst); also how many are allowed per <see cref="Window"/> in the long run.</summary>
    public int PermitLimit { get; set; }

    /// <summary>The time over which <see cref="PermitLimit"/> permits come back, one every Window / PermitLimit.</summary>
    public TimeSpan Window { get; set; }

    public RedisUnavailableBehavior WhenRedisUnavailable { get; set; } = RedisUnavailableBehavior.Reject;

    /// <summary>
    /// The time between two permits, in whole microseconds (Redis server time's unit), rounded up so that the
    /// limit is never exceeded.
    /// </summary>
    internal long EmissionIntervalMicroseconds =>
        Math.Max(1, (Window.Ticks / TimeSpan.TicksPerMicrosecond + PermitLimit - 1) / PermitLimit);

    /// <summary>Problems with this policy's settings, each naming the setting.</summary>
    internal IEnumerable<string> Problems(string name)
    {
        var section = $"{Section}:{name}";
        if (PermitLimit <= 0)
        {
            yield return $"{section}:PermitLimit must be a whole number greater than 0.";
        }

        if (Window <= TimeSpan.Zero)
        {
            yield return $"{section}:Window must be greater than 00:00:00 (e.g. \"00:01:00\").";
        }
        else if (PermitLimit > 0 && Window.Ticks / TimeSpan.TicksPerMicrosecond < PermitLimit)
        {
            yield return $"{section}:Window must be at least PermitLimit microseconds: permits are counted in microseconds.";
        }

        if (!Enum.IsDefined(WhenRedisUnavailable))
        {
            yield return $"{section}:WhenRedisUnavailable must be Reject or Allow.";
        }
    }
}
