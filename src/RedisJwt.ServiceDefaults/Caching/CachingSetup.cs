using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults.Caching;

public static class CachingSetup
{
    /// <summary>
    /// HybridCache with Redis as its second level, through the one shared connection, under the key prefix the
    /// service chooses (see <see cref="RedisKeys"/>), plus <see cref="CacheGeneration"/> for invalidation.
    /// </summary>
    public static IHostApplicationBuilder AddRedisHybridCache(this IHostApplicationBuilder builder,
        Func<RedisKeys, string> instanceName)
    {
        builder.Services.AddStackExchangeRedisCache(_ => { });
        builder.Services.AddOptions<RedisCacheOptions>().Configure<IConnectionMultiplexer, RedisKeys>((options, redis, keys) =>
        {
            options.ConnectionMultiplexerFactory = () => Task.FromResult(redis);
            options.InstanceName = instanceName(keys);
        });
        builder.Services.AddHybridCache();
        builder.Services.TryAddSingleton<CacheGeneration>();
        return builder;
    }
}
