using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// A token request naming a resource (RFC 8707 2.2; checked by <see cref="ValidateResourceIndicators"/>) gets an
/// access token for that resource alone: its <c>aud</c> is exactly the resource, its <c>scope</c> only that resource's
/// scopes. The grant is untouched: the refresh token issued beside it keeps every scope and resource, so the next
/// refresh may name another resource of the grant. Claims stay as the grant's scopes allow (a name, roles).
/// </summary>
public sealed class AccessTokenForResource(ResourceIndicators indicators) : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseScopedHandler<AccessTokenForResource>()
            .SetOrder(OpenIddictServerHandlers.PrepareAccessTokenPrincipal.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.EndpointType != OpenIddictServerEndpointType.Token || context.AccessTokenPrincipal is not { } principal
            || context.Request.GetResources() is not [_, ..] resources)
        {
            return;
        }

        principal.SetAudiences(resources);
        principal.SetScopes(await indicators.TokenScopesAsync(principal.GetScopes(), resources));
    }
}
