using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.Revocation.DPoP;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DPoP;

/// <summary>Discovery's <c>dpop_signing_alg_values_supported</c> (RFC 9449 section 5.1).</summary>
public sealed class AdvertiseDPoP : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public const string AlgorithmsMetadata = "dpop_signing_alg_values_supported";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<AdvertiseDPoP>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachClaims.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata[AlgorithmsMetadata] = new OpenIddictParameter([.. DPoPProofValidator.Algorithms]);
        return default;
    }
}
