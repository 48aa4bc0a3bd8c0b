using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Logout;

/// <summary>
/// Discovery's logout support (OIDC Back-Channel Logout 1.0 section 2.1, Front-Channel Logout 1.0 section 3): both,
/// each with sid (a back-channel logout token always carries it for a session's end; the iframe URL always does).
/// </summary>
public sealed class AdvertiseLogout : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<AdvertiseLogout>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachClaims.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata["backchannel_logout_supported"] = true;
        context.Metadata["backchannel_logout_session_supported"] = true;
        context.Metadata["frontchannel_logout_supported"] = true;
        context.Metadata["frontchannel_logout_session_supported"] = true;
        return default;
    }
}
