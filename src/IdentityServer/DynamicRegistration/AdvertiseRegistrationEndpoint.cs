using Microsoft.Extensions.Options;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Connect;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>Discovery's registration_endpoint (RFC 8414 2, OIDC Discovery 1.0 section 3).</summary>
public sealed class AdvertiseRegistrationEndpoint(IOptions<ServerSettings> server) : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<AdvertiseRegistrationEndpoint>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.Metadata["registration_endpoint"] = new Uri(server.Value.Issuer!, DynamicRegistrations.RegisterPath).AbsoluteUri;
        return default;
    }
}
