using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RedisJwt.Revocation.DPoP;

/// <summary>Registration of DPoP (RFC 9449) proof checking.</summary>
public static class DPoPSetup
{
    /// <summary>
    /// Registers <see cref="DPoPProofValidator"/> and its settings (section "DPoP", checked at start). It records each
    /// proof's jti in the <see cref="StackExchange.Redis.IConnectionMultiplexer"/> of the services, under
    /// <c>Revocation:KeyPrefix</c>. Can be called more than once.
    /// </summary>
    public static IServiceCollection AddDPoPProofs(this IServiceCollection services)
    {
        RevocationSetup.AddRevocationOptions(services);
        if (services.Any(service => service.ServiceType == typeof(DPoPProofValidator)))
        {
            return services;
        }

        services.AddOptions<DPoPOptions>()
            .BindConfiguration(DPoPOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<DPoPProofValidator>();
        return services;
    }
}
