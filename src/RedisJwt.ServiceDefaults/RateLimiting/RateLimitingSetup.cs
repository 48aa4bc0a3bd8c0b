using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RedisJwt.ServiceDefaults.RateLimiting;

public static partial class RateLimitingSetup
{
    /// <summary>
    /// Declares a policy with in-code defaults, which <c>RateLimits:Policies:{name}</c> overrides setting by setting;
    /// validated at start, each error naming its setting. Needs <see cref="RedisSetup.AddRedis"/>.
    /// <code>
    /// builder.AddRateLimitPolicy("board-writes", policy => { policy.PermitLimit = 30; policy.Window = TimeSpan.FromMinutes(1); });
    /// </code>
    /// </summary>
    public static IHostApplicationBuilder AddRateLimitPolicy(this IHostApplicationBuilder builder, string name,
        Action<RateLimitPolicy> defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        Declare(builder, name, defaults);
        return builder;
    }

    /// <summary>
    /// Registers the limiter, and declares policies without defaults: each must then be fully configured in
    /// <c>RateLimits:Policies:{name}</c> or the service will not start.
    /// </summary>
    public static IHostApplicationBuilder AddDistributedRateLimits(this IHostApplicationBuilder builder, params string[] policyNames)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DistributedRateLimiter>();
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<Telemetry.RedisMetrics>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitPolicy>, RateLimitPolicyValidator>());
        foreach (var name in policyNames)
        {
            Declare(builder, name, defaults: null);
        }

        return builder;
    }

    /// <summary>
    /// Limits these endpoints by <paramref name="policy"/>, one bucket per <paramref name="partitionKey"/> (no limit
    /// where it returns null). An endpoint filter, so it runs after authentication and authorization (partition by
    /// the authenticated caller) and before the handler does any work. Refusals: <see cref="RateLimitResults.Refused"/>.
    /// </summary>
    public static TBuilder RequireRateLimit<TBuilder>(this TBuilder builder, string policy, Func<HttpContext, string?> partitionKey)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        return builder.AddEndpointFilterFactory((context, next) =>
        {
            var limiter = context.ApplicationServices.GetRequiredService<DistributedRateLimiter>();
            // An undeclared policy fails when the endpoints are built (at the first request), not only on a request here.
            limiter.GetPolicy(policy);
            return async invocation =>
            {
                if (partitionKey(invocation.HttpContext) is not { } partition)
                {
                    return await next(invocation);
                }

                var decision = await limiter.AcquireAsync(policy, partition, invocation.HttpContext.RequestAborted);
                return decision.Allowed ? await next(invocation) : RateLimitResults.Refused(decision);
            };
        });
    }

    private static void Declare(IHostApplicationBuilder builder, string name, Action<RateLimitPolicy>? defaults)
    {
        // Names are part of Redis keys and configuration paths (which ignore case, while keys do not).
        ArgumentNullException.ThrowIfNull(name);
        if (!PolicyName().IsMatch(name))
        {
            throw new ArgumentException($"Rate limit policy name '{name}' must be 1-64 characters of a-z, 0-9, '.', '_' or '-'.", nameof(name));
        }

        builder.AddDistributedRateLimits();
        builder.Services.Configure<DeclaredRateLimitPolicies>(declared => declared.Names.Add(name));
        var options = builder.Services.AddOptions<RateLimitPolicy>(name);
        if (defaults is not null)
        {
            options.Configure(defaults);
        }

        // Registered after the defaults, so configuration overrides them.
        options.BindConfiguration($"{RateLimitPolicy.Section}:{name}").ValidateOnStart();
    }

    // Data annotations cannot name the setting: its path contains the policy's name.
    private sealed class RateLimitPolicyValidator : IValidateOptions<RateLimitPolicy>
    {
        public ValidateOptionsResult Validate(string? name, RateLimitPolicy options) =>
            name is null ? ValidateOptionsResult.Skip
            : options.Problems(name).ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems)
            : ValidateOptionsResult.Success;
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]{0,63}\z")]
    private static partial Regex PolicyName();
}
