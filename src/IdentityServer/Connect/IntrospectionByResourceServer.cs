using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// A resource server introspects the access tokens for its own resource (RFC 7662 4 leaves who may ask about which
/// token to the server). OpenIddict lets a client introspect, and see the claims of, an access token only when its
/// client_id is one of the token's audiences; audiences are resource identifiers (RFC 8707), never a client_id. So a
/// client registered as the resource server of one (<see cref="ClientSeed.Resource"/>: the board-api client, for BoardApi's URL) counts as
/// that audience for its own request alone, and the answer's <c>aud</c> is still the token's.
/// </summary>
public sealed class IntrospectionByResourceServer(IOpenIddictApplicationManager applications) :
    IOpenIddictServerHandler<ValidateIntrospectionRequestContext>,
    IOpenIddictServerHandler<HandleIntrospectionRequestContext>
{
    private const string StandInProperty = ".redisjwt_introspecting_resource_server";

    public static OpenIddictServerHandlerDescriptor ValidateDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .UseScopedHandler<IntrospectionByResourceServer>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static OpenIddictServerHandlerDescriptor HandleDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleIntrospectionRequestContext>()
            .UseScopedHandler<IntrospectionByResourceServer>()
            .SetOrder(OpenIddictServerHandlers.Introspection.AttachApplicationClaims.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateIntrospectionRequestContext context)
    {
        if (context.ClientId is not { Length: > 0 } clientId || context.GenericTokenPrincipal is not { } principal
            || !principal.HasTokenType(TokenTypeIdentifiers.AccessToken) || principal.HasAudience(clientId)
            || await applications.FindByClientIdAsync(clientId) is not { } application
            || await ClientProperties.ResourceAsync(applications, application) is not { } resource
            || !principal.HasAudience(resource))
        {
            return;
        }

        // In memory, for OpenIddict's checks of this request (ValidateAuthorizedParty, AttachApplicationClaims).
        principal.SetAudiences([.. principal.GetAudiences(), clientId]);
        context.Transaction.SetProperty(StandInProperty, clientId);
    }

    public ValueTask HandleAsync(HandleIntrospectionRequestContext context)
    {
        if (context.Transaction.GetProperty<string>(StandInProperty) is { } clientId)
        {
            context.Audiences.Remove(clientId);
        }

        return default;
    }
}
