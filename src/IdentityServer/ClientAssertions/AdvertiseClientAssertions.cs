using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.ClientAssertions;

/// <summary>
/// Discovery's <c>*_endpoint_auth_signing_alg_values_supported</c> (RFC 8414 2): the algorithms a private_key_jwt
/// assertion may be signed with. OpenIddict lists the methods themselves (client_secret_basic, client_secret_post,
/// private_key_jwt; never client_secret_jwt, see <see cref="ClientAssertionsSetup"/>).
/// </summary>
public sealed class AdvertiseClientAssertions : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<AdvertiseClientAssertions>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachClientAuthenticationMethods.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        foreach (var name in new[] { Metadata.TokenEndpointAuthSigningAlgValuesSupported,
            Metadata.IntrospectionEndpointAuthSigningAlgValuesSupported, Metadata.RevocationEndpointAuthSigningAlgValuesSupported })
        {
            context.Metadata[name] = new OpenIddictParameter([.. ClientKeySet.Algorithms]);
        }

        return default;
    }
}
