using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.Caching;

namespace RedisJwt.BoardApi.Posts;

public sealed class PostsOptions
{
    public const string Section = "Posts";

    /// <summary>How long a cached page of the post list lives (in Redis; in memory at most half of it).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Posts:ListCacheDuration must be between 00:00:01 and 01:00:00.")]
    public TimeSpan ListCacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Pages of the post list in HybridCache (memory, then Redis), keyed by a <see cref="CacheGeneration"/> that every
/// post write replaces, so no reader on any instance is served a list from before the write.
/// </summary>
public sealed class PostListCache(HybridCache cache, CacheGeneration generations, RedisKeys keys, IOptions<PostsOptions> options)
{
    private readonly HybridCacheEntryOptions _entry = new()
    {
        Expiration = options.Value.ListCacheDuration,
        LocalCacheExpiration = options.Value.ListCacheDuration / 2,
    };

    public async Task<PostPage> GetOrLoadAsync(string? author, PostCursor? cursor, int limit,
        Func<CancellationToken, ValueTask<PostPage>> load, CancellationToken cancellationToken)
    {
        // Without the generation the cache cannot be trusted: read PostgreSQL directly.
        if (await generations.CurrentAsync(keys.PostListGeneration) is not { } generation)
        {
            return await load(cancellationToken);
        }

        // The author goes last: it is the only free-form part, so keys cannot collide.
        var key = $"posts:{generation}:{limit}:{cursor?.ToString() ?? "-"}:{author ?? "*"}";
        return await cache.GetOrCreateAsync(key, load, _entry, cancellationToken: cancellationToken);
    }

    /// <summary>Makes every cached page unreachable; writes call it before and after they change the database.</summary>
    /// <returns>False when Redis could not be reached (logged): a write must not go ahead.</returns>
    public Task<bool> InvalidateAsync() => generations.ReplaceAsync(keys.PostListGeneration);
}
