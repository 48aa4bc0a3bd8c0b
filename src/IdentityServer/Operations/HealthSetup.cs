using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using RedisJwt.IdentityServer.Data;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Operations;

public static class HealthSetup
{
    private const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<ApplicationDbContext>("postgresql", tags: [ReadyTag])
            .AddRedis(services => services.GetRequiredService<IConnectionMultiplexer>(), "redis", tags: [ReadyTag],
                timeout: TimeSpan.FromSeconds(2));
        return builder;
    }

    /// <summary>live: the process answers. ready: it can reach PostgreSQL and Redis, so it may take traffic.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return endpoints;
    }
}
