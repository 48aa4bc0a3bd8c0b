using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Clients;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenExchange;

/// <summary>
/// OpenIddict lets a client exchange an access token only when its client_id is one of the token's audiences or the
/// client it was issued to. Our audiences are resource identifiers (RFC 8707), never a client_id, so a resource server
/// (<see cref="ClientSeed.Resource"/>) counts as that audience for its own request alone, as for introspection
/// (<see cref="Connect.IntrospectionByResourceServer"/>). <see cref="TokenExchangeGrant"/> then decides, on the
/// resource itself.
/// </summary>
public sealed class ExchangeByResourceServer(IOpenIddictApplicationManager applications) : IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .AddFilter<RequireTokenExchangeGrant>()
            .UseScopedHandler<ExchangeByResourceServer>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateAuthorizedParty.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        if (context.ClientId is not { Length: > 0 } clientId
            || context.SubjectTokenPrincipal is not { } subject || subject.HasAudience(clientId)
            || await applications.FindByClientIdAsync(clientId) is not { } application
            || await ClientProperties.ResourceAsync(applications, application) is not { } resource || !subject.HasAudience(resource))
        {
            return;
        }

        // In memory, for OpenIddict's ValidateAuthorizedParty; the exchanged token is built without the subject's audiences.
        subject.SetAudiences([.. subject.GetAudiences(), clientId]);
    }
}

/// <summary>Lets <see cref="ExchangeByResourceServer"/> be resolved only for token exchanges, not every token request.</summary>
public sealed class RequireTokenExchangeGrant : IOpenIddictServerHandlerFilter<ValidateTokenRequestContext>
{
    public ValueTask<bool> IsActiveAsync(ValidateTokenRequestContext context) => new(context.Request.IsTokenExchangeGrantType());
}
