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

    /// <summary>
    /// Makes an OpenIddict-validated resource server accept DPoP-bound access tokens (RFC 9449 7): <c>Authorization: DPoP
    /// &lt;token&gt;</c> with a proof for this request, signed by the key the token's <c>cnf.jkt</c> names. A bound
    /// token presented as a bearer token, a bearer token presented as DPoP, or a missing, invalid or replayed proof get
    /// 401 with a <c>DPoP</c> challenge; when the proofs already used cannot be known (Redis unreachable), 503.
    /// Bearer tokens without a binding work as before.
    /// </summary>
    public static OpenIddictValidationBuilder UseDPoP(this OpenIddictValidationBuilder builder)
    {
        builder.Services.AddDPoPProofs();
        RevocationSetup.AddEventHandlerOnce(builder, DPoPTokenExtraction.Descriptor);
        RevocationSetup.AddEventHandlerOnce(builder, DPoPBindingCheck.Descriptor);
        RevocationSetup.AddEventHandlerOnce(builder, IntrospectedBoundTokens.Descriptor);
        RevocationSetup.AddEventHandlerOnce(builder, DPoPChallenge.Descriptor);
        RevocationSetup.AddEventHandlerOnce(builder, UnavailableChallenge.Descriptor);
        return builder;
    }
}
