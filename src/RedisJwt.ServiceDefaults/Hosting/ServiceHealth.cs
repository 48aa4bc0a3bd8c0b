using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>The same two health endpoints on every service, so one load-balancer configuration fits all.</summary>
public static class ServiceHealth
{
    private const string ReadyTag = "ready";

    /// <summary>Readiness checks for the service's own PostgreSQL database and the shared Redis.</summary>
    public static IHostApplicationBuilder AddServiceHealth<TDbContext>(this IHostApplicationBuilder builder)
        where TDbContext : DbContext
    {
        builder.Services.AddHealthChecks()
            .AddDbContextCheck<TDbContext>("postgresql", tags: [ReadyTag])
            .AddRedis(services => services.GetRequiredService<IConnectionMultiplexer>(), "redis", tags: [ReadyTag],
                timeout: TimeSpan.FromSeconds(2));
        return builder;
    }

    /// <summary>live: the process answers. ready: it can reach PostgreSQL and Redis, so it may take traffic.</summary>
    public static IEndpointRouteBuilder MapServiceHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return endpoints;
    }
}
