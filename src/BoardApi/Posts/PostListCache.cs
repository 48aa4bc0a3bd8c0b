using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using RedisJwt.Revocation;
using StackExchange.Redis;

namespace RedisJwt.BoardApi.Posts;

public sealed class PostsOptions
{
    public const string Section = "Posts";

    /// <summary>How long a cached page of the post list lives (in Redis; in memory at most half of it).</summary>
    public TimeSpan ListCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Pages of the post list in HybridCache (memory, then Redis), keyed by a generation counter kept in Redis. A write
/// increments the counter before it answers, so from then on every instance looks up new keys and no reader anywhere
/// is served a list from before the write. HybridCache alone cannot promise that: another instance's in-memory
/// copy would live on until it expires.
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
        long generation;
        try
        {
            generation = (long?)await redis.GetDatabase().StringGetAsync(keys.PostListGeneration) ?? 0;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Without the counter the cache cannot be trusted: read PostgreSQL directly.
            logger.LogWarning(exception, "Post list cache bypassed: Redis is unavailable.");
            return await load(cancellationToken);
        }

        // The author goes last: it is the only free-form part, so keys cannot collide.
        var key = $"posts:{generation}:{limit}:{cursor?.ToString() ?? "-"}:{author ?? "*"}";
        return await cache.GetOrCreateAsync(key, load, _entry, cancellationToken: cancellationToken);
    }

    /// <summary>Called after every committed write, before the response.</summary>
    public async Task InvalidateAsync()
    {
        try
        {
            await redis.GetDatabase().StringIncrementAsync(keys.PostListGeneration);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The write itself is committed. Readers bypass the cache while Redis is down, and once it is back,
            // pages cached before the outage expire within ListCacheDuration.
            logger.LogError(exception, "Post list cache not invalidated: Redis is unavailable.");
        }
    }
}
