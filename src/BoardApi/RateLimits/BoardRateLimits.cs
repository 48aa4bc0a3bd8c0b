using RedisJwt.ServiceDefaults.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.BoardApi.RateLimits;

/// <summary>
/// BoardApi's limits, per caller (the token's sub: a user, or a client for client_credentials tokens), counted in
/// Redis so they hold across all instances together. Defaults here; RateLimits:Policies:{name} overrides them.
/// </summary>
public static class BoardRateLimits
{
    /// <summary>Creating, editing and deleting posts. Fails closed: a write needs Redis anyway (the list cache).</summary>
    public const string Writes = "board-writes";

    /// <summary>
    /// Reading posts. Fails open: reads are served from PostgreSQL and the cache, and staying readable matters more
    /// than a read quota.
    /// </summary>
    public const string Reads = "board-reads";

    public static IHostApplicationBuilder AddBoardRateLimits(this IHostApplicationBuilder builder)
    {
        builder.AddRateLimitPolicy(Writes, policy =>
        {
            policy.PermitLimit = 30;
            policy.Window = TimeSpan.FromMinutes(1);
            policy.WhenRedisUnavailable = RedisUnavailableBehavior.Reject;
        });
        builder.AddRateLimitPolicy(Reads, policy =>
        {
            policy.PermitLimit = 1200;
            policy.Window = TimeSpan.FromMinutes(1);
            policy.WhenRedisUnavailable = RedisUnavailableBehavior.Allow;
        });
        return builder;
    }

    /// <summary>The partition: the authenticated caller, as the endpoint filter runs after authentication.</summary>
    public static string? ByCaller(HttpContext context) => context.User.FindFirst(Claims.Subject)?.Value;
}
