using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.Revocation.DPoP;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenExchange;

/// <summary>
/// A DPoP-bound (cnf.jkt) subject or actor token at the token-exchange grant: OpenIddict's proof-of-possession step
/// knows client certificates only and throws on a jkt (a 500). This server binds tokens to DPoP keys only. The client cannot prove the user's key anyway (its caller holds
/// it); <see cref="TokenExchangeGrant"/> requires a proof of the client's own key instead and binds the new token to it.
/// </summary>
public sealed class DPoPBoundSubjects : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<DPoPBoundSubjects>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateProofOfPossession.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.EndpointType is OpenIddictServerEndpointType.Token
            && context.Transaction.Request?.IsTokenExchangeGrantType() is true
            && context.Principal is { } principal && DPoPConfirmation.ThumbprintOf(principal) is not null)
        {
            context.DisableProofOfPossessionValidation = true;
        }

        return default;
    }
}
