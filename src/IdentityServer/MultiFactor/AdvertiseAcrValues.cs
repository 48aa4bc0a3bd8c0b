using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Discovery's <c>acr_values_supported</c> (OIDC Discovery 1.0 section 3): the levels a client may ask for with
/// acr_values. OpenIddict has no setting for it.
/// </summary>
public sealed class AdvertiseAcrValues : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<AdvertiseAcrValues>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachClaims.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata[Metadata.AcrValuesSupported] = new OpenIddictParameter([.. SignInMethods.Levels]);
        return default;
    }
}
