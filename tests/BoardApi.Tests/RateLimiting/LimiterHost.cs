using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.RateLimiting;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.RateLimiting;

/// <summary>The limiter alone, on a bare host: the real test Redis under a prefix of its own, no web server.</summary>
public sealed class LimiterHost : IDisposable
{
    private readonly IHost _host;

    public LimiterHost(Action<IHostApplicationBuilder> declare, IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestServers.Redis,
            ["Redis:KeyPrefix"] = Prefix,
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddRedis();
        declare(builder);
        _host = builder.Build();
    }

    public string Prefix { get; } = IdentityServerFactory.NewRedisPrefix();

    public IServiceProvider Services => _host.Services;

    public DistributedRateLimiter Limiter => Services.GetRequiredService<DistributedRateLimiter>();

    /// <summary>What the host checks at start (ValidateOnStart).</summary>
    public void ValidateOnStart() => Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

    public void Dispose() => _host.Dispose();
}
