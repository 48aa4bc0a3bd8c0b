using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenIddict.Validation;

namespace RedisJwt.Revocation;

/// <summary>Registration of the resource-server check and of the IdentityServer's writer.</summary>
public static class RevocationSetup
{
    /// <summary>
    /// Makes an OpenIddict-validated resource server honour revocations. It needs an
    /// <see cref="StackExchange.Redis.IConnectionMultiplexer"/> in the services, connected to the IdentityServer's Redis:
    /// <code>
    /// builder.Services.AddSingleton&lt;IConnectionMultiplexer&gt;(_ => ConnectionMultiplexer.Connect($"{redis},abortConnect=false"));
    /// builder.Services.AddOpenIddict().AddValidation(options => options.UseRedisRevocation() /* + issuer, audience */);
    /// </code>
    /// A token whose <c>jti</c>, <c>sid</c>, <c>aid</c> or user mark is revoked is then an invalid token (401); when the
    /// revocations cannot be known (Redis lost for longer than <see cref="RevocationOptions.DegradedWindow"/>), the
    /// answer is 503 with Retry-After.
    /// </summary>
    public static OpenIddictValidationBuilder UseRedisRevocation(this OpenIddictValidationBuilder builder)
    {
        AddRevocationOptions(builder.Services);
        builder.Services.TryAddSingleton<RevocationView>();
        builder.Services.AddHostedService<RevocationSubscriber>();

        builder.AddEventHandler(RevocationCheck.Descriptor);
        AddEventHandlerOnce(builder, UnavailableChallenge.Descriptor);
        return builder;
    }

    /// <summary>The IdentityServer's half: records revocations in Redis (<see cref="RevocationWriter"/>).</summary>
    public static IServiceCollection AddRevocationWriter(this IServiceCollection services)
    {
        AddRevocationOptions(services);
        services.TryAddSingleton<RevocationWriter>();
        return services;
    }

    /// <summary>A handler that both <see cref="UseRedisRevocation"/> and DPoP add must run once, not twice.</summary>
    internal static void AddEventHandlerOnce(OpenIddictValidationBuilder builder, OpenIddictValidationHandlerDescriptor descriptor)
    {
        if (!builder.Services.Any(service => service.ServiceType == descriptor.ServiceDescriptor.ServiceType))
        {
            builder.AddEventHandler(descriptor);
        }
    }

    internal static void AddRevocationOptions(IServiceCollection services)
    {
        // The IdentityServer calls several entry points: bind and validate the settings once, not twice.
        if (services.Any(service => service.ServiceType == typeof(RevocationKeys)))
        {
            return;
        }

        services.AddOptions<RevocationOptions>()
            .BindConfiguration(RevocationOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RevocationOptions>, CheckOnlyOffInBenchmarks>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new RevocationKeys(provider.GetRequiredService<IOptions<RevocationOptions>>().Value.KeyPrefix));
    }

    // A switch that turns a security check off must not be one setting away in production.
    private sealed class CheckOnlyOffInBenchmarks(IHostEnvironment environment) : IValidateOptions<RevocationOptions>
    {
        public ValidateOptionsResult Validate(string? name, RevocationOptions options) =>
            options.CheckEnabled || environment.IsEnvironment(RevocationOptions.BenchmarkEnvironment)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    $"Revocation:CheckEnabled=false turns off the revocation check; it is allowed only in the '{RevocationOptions.BenchmarkEnvironment}' environment, not in '{environment.EnvironmentName}'.");
    }
}
