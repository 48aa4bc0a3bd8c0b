using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using RedisJwt.Revocation;
using StackExchange.Redis;

namespace RedisJwt.BoardApi.Posts;

public sealed class PostsOptions
{
    public const string Section = "Posts";

    /// <summary>How long a cached page of the post list lives (in Redis; in memory at most half of it).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Posts:ListCacheDuration must be between 00:00:01 and 01:00:00.")]
    public TimeSpan ListCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Pages of the post list in HybridCache (memory, then Redis), keyed by a generation value kept in Redis. A write
/// replaces the generation, so from then on every instance looks up new keys and no reader anywhere is served a
/// list from before the write. HybridCache alone cannot promise that: another instance's in-memory copy would live
/// on until it expires. Generations are random, never counted, so a Redis restart that loses the value cannot bring
/// back a generation whose pages some instance still holds.
/// </summary>
public sealed class PostListCache(HybridCache cache, IConnectionMultiplexer redis, RedisKeys keys,
    IOptions<PostsOptions> options, ILogger<PostListCache> logger)
{
    private readonly HybridCacheEntryOptions _entry = new()
    {
        Expiration = options.Value.ListCacheDuration,
        LocalCacheExpiration = options.Value.ListCacheDuration / 2,
    };

    public async Task<PostPage> GetOrLoadAsync(string? author, PostCursor? cursor, int limit,
        Func<CancellationToken, ValueTask<PostPage>> load, CancellationToken cancellationToken)
    {
        string generation;
        try
        {
            generation = await CurrentGenerationAsync();
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Without the generation the cache cannot be trusted: read PostgreSQL directly.
            logger.LogWarning(exception, "Post list cache bypassed: Redis is unavailable.");
            return await load(cancellationToken);
        }

        // The author goes last: it is the only free-form part, so keys cannot collide.
        var key = $"posts:{generation}:{limit}:{cursor?.ToString() ?? "-"}:{author ?? "*"}";
        return await cache.GetOrCreateAsync(key, load, _entry, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Makes every cached page unreachable. Writes call it before and after they change the database: a failure
    /// before means the write must not happen; the call after catches pages a reader cached in between.
    /// </summary>
    /// <returns>False when Redis could not be reached (logged).</returns>
    public async Task<bool> InvalidateAsync()
    {
        try
        {
            await redis.GetDatabase().StringSetAsync(keys.PostListGeneration, NewGeneration());
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogError(exception, "Post list cache not invalidated: Redis is unavailable.");
            return false;
        }
    }

    private async Task<string> CurrentGenerationAsync()
    {
        var database = redis.GetDatabase();
        var generation = await database.StringGetAsync(keys.PostListGeneration);
        if (generation.HasValue)
        {
            return generation.ToString();
        }

        // First use, or Redis lost the value: start a fresh generation, agreeing with any instance racing us.
        await database.StringSetAsync(keys.PostListGeneration, NewGeneration(), when: When.NotExists);
        return (await database.StringGetAsync(keys.PostListGeneration)).ToString();
    }

    private static string NewGeneration() => Guid.NewGuid().ToString("N");
}
