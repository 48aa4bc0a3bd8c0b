using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.Revocation.DPoP;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DPoP;

/// <summary>
/// Binds what the token endpoint issues to the key its request proved (RFC 9449 section 6): the access token carries
/// <c>cnf.jkt</c>; a public client's refresh token carries the key too, so it is redeemed only with a proof of it.
/// </summary>
public sealed class BindIssuedTokens : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<BindIssuedTokens>()
            // Once OpenIddict has made each token's principal, before any token is written.
            .SetOrder(OpenIddictServerHandlers.GenerateAccessToken.Descriptor.Order - 100)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.EndpointType is not OpenIddictServerEndpointType.Token
            || DPoPBinding.ProvedKey(context.Transaction) is not { } thumbprint)
        {
            return default;
        }

        context.AccessTokenPrincipal?.SetClaim(DPoPConfirmation.ClaimType, DPoPConfirmation.ClaimFor(thumbprint));
        // A token exchange's access token is OpenIddict's "issued token" (RFC 8693 2.2.1): bound the same way.
        if (context.IssuedTokenType == TokenTypeIdentifiers.AccessToken)
        {
            context.IssuedTokenPrincipal?.SetClaim(DPoPConfirmation.ClaimType, DPoPConfirmation.ClaimFor(thumbprint));
        }

        if (DPoPBinding.BindsRefreshToken(context.Transaction))
        {
            context.RefreshTokenPrincipal?.SetClaim(DPoPBinding.BoundKeyClaim, thumbprint);
        }

        return default;
    }
}
