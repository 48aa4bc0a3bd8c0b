using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults.Caching;

/// <summary>
/// A random value in Redis that cache keys include. Replacing it makes every entry cached under the old value
/// unreachable on every instance at once; HybridCache alone cannot promise that, since another instance's in-memory
/// copy would live on until it expires. Generations are random, never counted, so a Redis restart that loses the
/// value cannot bring back a generation whose entries some instance still holds.
/// </summary>
public sealed class CacheGeneration(IConnectionMultiplexer redis, ILogger<CacheGeneration> logger)
{
    /// <param name="expiry">
    /// For generations of many small things (one per user): when the value may go, at least as long as the entries
    /// under it live. Losing it is safe: a fresh random generation takes over.
    /// </param>
    /// <returns>The current generation, or null when Redis cannot be reached (then the cache must be bypassed).</returns>
    public async Task<string?> CurrentAsync(RedisKey key, TimeSpan? expiry = null)
    {
        try
        {
            var database = redis.GetDatabase();
            var generation = await database.StringGetAsync(key);
            if (generation.HasValue)
            {
                return generation.ToString();
            }

            // First use, or Redis lost the value: start a fresh generation, agreeing with any instance racing us.
            await database.StringSetAsync(key, NewGeneration(), expiry, When.NotExists);
            return (await database.StringGetAsync(key)).ToString();
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning("Cache bypassed: Redis is unavailable ({Message}).", exception.Message);
            return null;
        }
    }

    /// <summary>
    /// Makes every entry of the current generation unreachable. Writers call it before and after they change the
    /// source of truth: a failure before means the write must not happen; the call after catches entries a reader
    /// cached in between from data read before the write.
    /// </summary>
    /// <returns>False when Redis could not be reached (logged).</returns>
    public async Task<bool> ReplaceAsync(RedisKey key, TimeSpan? expiry = null)
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(key, NewGeneration(), expiry, When.Always);
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogError(exception, "Cache generation {Key} not replaced: Redis is unavailable.", key);
            return false;
        }
    }

    private static string NewGeneration() => Guid.NewGuid().ToString("N");
}
