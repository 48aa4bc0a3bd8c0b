using System.Collections.Immutable;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// The resources a request names (RFC 8707 2), at every endpoint that takes them, in place of OpenIddict's resource
/// permissions: at the authorization endpoint and PAR, resources of the requested scopes; at the token endpoint, one
/// resource, of the grant (a code or refresh token) or of the requested scopes (client_credentials, password). Anything
/// else is invalid_target. See <see cref="ResourceIndicators"/>.
/// </summary>
public sealed class ValidateResourceIndicators(ResourceIndicators indicators) :
    IOpenIddictServerHandler<ValidateAuthorizationRequestContext>,
    IOpenIddictServerHandler<ValidatePushedAuthorizationRequestContext>,
    IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor AuthorizationDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
            .UseScopedHandler<ValidateResourceIndicators>()
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidateResourcePermissions.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static OpenIddictServerHandlerDescriptor PushedAuthorizationDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidatePushedAuthorizationRequestContext>()
            .UseScopedHandler<ValidateResourceIndicators>()
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidatePushedResourcePermissions.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    // Last: the code or refresh token is known to be this client's (and the code verifier right) before anything is
    // said about what it grants.
    public static OpenIddictServerHandlerDescriptor TokenDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseScopedHandler<ValidateResourceIndicators>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateGrantedScopes.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateAuthorizationRequestContext context) =>
        Refuse(context, await indicators.RefusalAsync(context.Request.GetResources(), context.Request.GetScopes(), tokenRequest: false));

    public async ValueTask HandleAsync(ValidatePushedAuthorizationRequestContext context) =>
        Refuse(context, await indicators.RefusalAsync(context.Request.GetResources(), context.Request.GetScopes(), tokenRequest: false));

    public async ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        var resources = context.Request.GetResources();
        // A token exchange's target is the client's to name from its own list, not the subject's grant (TokenExchangeGrant).
        if (resources.IsEmpty || context.Request.IsTokenExchangeGrantType())
        {
            return;
        }

        Refuse(context, await indicators.RefusalAsync(resources, ScopesOf(context), tokenRequest: true));
    }

    // A refresh may ask for fewer scopes than granted (OpenIddict has checked they are granted); a code (or device
    // code) carries its own.
    private static ImmutableArray<string> ScopesOf(ValidateTokenRequestContext context) =>
        (context.AuthorizationCodePrincipal ?? context.DeviceCodePrincipal ?? context.RefreshTokenPrincipal) is { } grant
            ? context.Request.IsRefreshTokenGrantType() && !string.IsNullOrEmpty(context.Request.Scope)
                ? context.Request.GetScopes()
                : grant.GetScopes()
            : context.Request.GetScopes();

    private static void Refuse(BaseValidatingContext context, string? refusal)
    {
        if (refusal is not null)
        {
            context.Reject(Errors.InvalidTarget, refusal);
        }
    }
}
