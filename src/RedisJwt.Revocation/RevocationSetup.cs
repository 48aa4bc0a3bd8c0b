using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RedisJwt.Revocation;

public static class RevocationSetup
{
    /// <summary>
    /// Makes an OpenIddict-validated resource server honour revocations. With <see cref="RedisSetup.AddRedis"/>,
    /// that is all a resource server needs:
    /// <code>
    /// builder.AddRedis();
    /// builder.Services.AddOpenIddict().AddValidation(options => options.UseRedisRevocation() /* + issuer, audience */);
    /// </code>
    /// </summary>
    public static OpenIddictValidationBuilder UseRedisRevocation(this OpenIddictValidationBuilder builder)
    {
        builder.Services.AddOptions<RevocationOptions>()
            .BindConfiguration(RevocationOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<RevocationView>();
        builder.Services.AddHostedService<RevocationSubscriber>();

        builder.AddEventHandler(RevocationCheck.Descriptor);
        builder.AddEventHandler(UnavailableChallenge.Descriptor);
        return builder;
    }

    /// <summary>The IdentityServer's half: records revocations in Redis.</summary>
    public static IServiceCollection AddRevocationWriter(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RevocationWriter>();
        return services;
    }
}
