using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.ServiceDefaults.RateLimiting;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.BoardApi.Tests.RateLimiting;

/// <summary>The limiter against the real Redis: GCRA semantics, buckets kept apart, keys that expire.</summary>
public sealed class DistributedRateLimiterTests : IDisposable
{
    // 3 at once, then one every 20 s.
    private const string Small = "small";
    private const string Other = "other";
    // 2 at once, then one every second.
    private const string Fast = "fast";

    private readonly LimiterHost _host = new(builder =>
    {
        builder.AddRateLimitPolicy(Small, policy => { policy.PermitLimit = 3; policy.Window = TimeSpan.FromMinutes(1); });
        builder.AddRateLimitPolicy(Other, policy => { policy.PermitLimit = 3; policy.Window = TimeSpan.FromMinutes(1); });
        builder.AddRateLimitPolicy(Fast, policy => { policy.PermitLimit = 2; policy.Window = TimeSpan.FromSeconds(2); });
    });

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Acquire_BeyondPermitLimit_RefusedUntilNextPermit()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(new RateLimitDecision(true, TimeSpan.Zero, false), await _host.Limiter.AcquireAsync(Small, "alice"));
        }

        var refused = await _host.Limiter.AcquireAsync(Small, "alice");

        Assert.False(refused.Allowed);
        Assert.False(refused.RedisUnavailable);
        // The next permit comes one Window / PermitLimit (20 s) after the burst, less the time this test took.
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        Assert.InRange(refused.RetryAfterSeconds, 15, 20);
    }

    [Fact]
    public async Task Acquire_Refused_DoesNotPushNextPermitFurther()
    {
        for (var i = 0; i < 3; i++)
        {
            await _host.Limiter.AcquireAsync(Small, "hammer");
        }

        var first = await _host.Limiter.AcquireAsync(Small, "hammer");
        for (var i = 0; i < 10; i++)
        {
            await _host.Limiter.AcquireAsync(Small, "hammer");
        }

        Assert.True((await _host.Limiter.AcquireAsync(Small, "hammer")).RetryAfter <= first.RetryAfter);
    }

    [Fact]
    public async Task Acquire_AfterOneInterval_OnePermitBack()
    {
        Assert.True((await _host.Limiter.AcquireAsync(Fast, "bob")).Allowed);
        Assert.True((await _host.Limiter.AcquireAsync(Fast, "bob")).Allowed);
        var refused = await _host.Limiter.AcquireAsync(Fast, "bob");
        Assert.False(refused.Allowed);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1));

        await Task.Delay(refused.RetryAfter + TimeSpan.FromMilliseconds(50));

        Assert.True((await _host.Limiter.AcquireAsync(Fast, "bob")).Allowed);
        Assert.False((await _host.Limiter.AcquireAsync(Fast, "bob")).Allowed);
    }

    [Fact]
    public async Task Acquire_OtherPartition_CountedSeparately()
    {
        for (var i = 0; i < 3; i++)
        {
            await _host.Limiter.AcquireAsync(Small, "carol");
        }

        Assert.False((await _host.Limiter.AcquireAsync(Small, "carol")).Allowed);
        Assert.True((await _host.Limiter.AcquireAsync(Small, "dave")).Allowed);
    }

    [Fact]
    public async Task Acquire_OtherPolicy_CountedSeparately()
    {
        for (var i = 0; i < 3; i++)
        {
            await _host.Limiter.AcquireAsync(Small, "erin");
        }

        Assert.False((await _host.Limiter.AcquireAsync(Small, "erin")).Allowed);
        Assert.True((await _host.Limiter.AcquireAsync(Other, "erin")).Allowed);
    }

    [Fact]
    public async Task Acquire_ManyAtOnce_ExactlyPermitLimitAllowed()
    {
        var decisions = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _host.Limiter.AcquireAsync(Small, "frank")));

        Assert.Equal(3, decisions.Count(decision => decision.Allowed));
    }

    [Fact]
    public async Task Acquire_OnePermitTaken_KeyLivesUntilBucketFull()
    {
        await _host.Limiter.AcquireAsync(Small, "grace");

        var redis = _host.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var ttl = await redis.KeyTimeToLiveAsync($"{_host.Prefix}rate_limit:small:grace");

        // One permit comes back in 20 s; then the bucket is full and the key has nothing left to say.
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Acquire_EmailPartition_StoredUnderHashedKey()
    {
        await _host.Limiter.AcquireAsync(Small, "Heidi@Example.com");

        var redis = _host.Services.GetRequiredService<IConnectionMultiplexer>();
        var keys = redis.GetServer(redis.GetEndPoints()[0]).Keys(pattern: $"{_host.Prefix}rate_limit:small:*").Select(key => key.ToString()).ToList();
        var key = Assert.Single(keys);
        Assert.DoesNotContain("@", key);
        Assert.Matches("^.*rate_limit:small:sha256-[0-9a-f]{64}$", key);
    }

    [Fact]
    public async Task Acquire_UndeclaredPolicy_ThrowsNamingIt()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _host.Limiter.AcquireAsync("nowhere", "ivan"));

        Assert.Contains("'nowhere'", error.Message);
        Assert.Contains("RateLimits:Policies:nowhere", error.Message);
    }

    [Fact]
    public async Task Acquire_RedisUnreachable_DecidedByPolicy()
    {
        using var cutOff = new LimiterHost(builder =>
        {
            builder.AddRateLimitPolicy("closed", policy => { policy.PermitLimit = 1; policy.Window = TimeSpan.FromMinutes(1); });
            builder.AddRateLimitPolicy("open", policy =>
            {
                policy.PermitLimit = 1;
                policy.Window = TimeSpan.FromMinutes(1);
                policy.WhenRedisUnavailable = RedisUnavailableBehavior.Allow;
            });
        }, new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=200,asyncTimeout=300,syncTimeout=300" });

        Assert.Equal(new RateLimitDecision(false, DistributedRateLimiter.UnavailableRetryAfter, true),
            await cutOff.Limiter.AcquireAsync("closed", "judy"));
        // Allowed again and again: nothing is counted while Redis is away.
        Assert.Equal(new RateLimitDecision(true, TimeSpan.Zero, true), await cutOff.Limiter.AcquireAsync("open", "judy"));
        Assert.Equal(new RateLimitDecision(true, TimeSpan.Zero, true), await cutOff.Limiter.AcquireAsync("open", "judy"));
    }

    [Fact]
    public async Task Acquire_RedisStalledWhileConnected_OneTimeoutThenAnsweredAtOnce()
    {
        await using var redis = new RedisProcess();
        await redis.StartAsync();
        using var stalled = new LimiterHost(builder => builder.AddRateLimitPolicy("open", policy =>
        {
            policy.PermitLimit = 10;
            policy.Window = TimeSpan.FromMinutes(1);
            policy.WhenRedisUnavailable = RedisUnavailableBehavior.Allow;
        }), new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = $"{redis.AdminConnectionString},asyncTimeout=2000,syncTimeout=2000" });
        Assert.Equal(new RateLimitDecision(true, TimeSpan.Zero, false), await stalled.Limiter.AcquireAsync("open", "kim"));

        // The server stops answering, the connection stays up: what a silently dropped connection looks like.
        await stalled.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "6000", "ALL");

        Assert.Equal(new RateLimitDecision(true, TimeSpan.Zero, true), await stalled.Limiter.AcquireAsync("open", "kim"));
        var clock = Stopwatch.StartNew();
        Assert.Equal(new RateLimitDecision(true, TimeSpan.Zero, true), await stalled.Limiter.AcquireAsync("open", "kim"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"answered after {clock.Elapsed}, not at once");
    }
}
