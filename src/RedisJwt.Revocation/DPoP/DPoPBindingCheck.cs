using Microsoft.AspNetCore;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.Revocation.DPoP;

/// <summary>
/// The resource server's half of DPoP (RFC 9449 7), as a step of OpenIddict's token validation: a token bound to a key
/// (<c>cnf.jkt</c>) is accepted only as <c>Authorization: DPoP</c> with a valid, unused proof signed by that key and
/// made for this request and this token.
/// </summary>
internal sealed class DPoPBindingCheck(DPoPProofValidator proofs) : IOpenIddictValidationHandler<ValidateTokenContext>
{
    /// <summary>RFC 9449 7.1: the error for a missing, invalid or replayed proof.</summary>
    public const string InvalidProof = "invalid_dpop_proof";

    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<DPoPBindingCheck>()
            // After signature, lifetime, issuer and audience, so only an otherwise valid token costs a Redis write. Before
            // OpenIddict's own proof-of-possession step, which knows only certificate bindings (cnf.x5t#S256) and throws on
            // any other cnf; so also before the revocation check, which is no loss: a proof spent with a revoked token was
            // its holder's to spend.
            .SetOrder(OpenIddictValidationHandlers.Protection.ValidateProofOfPossession.Descriptor.Order - 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.Principal is not { } principal || context.Transaction.GetHttpRequest() is not { } request)
        {
            return;
        }

        var dpop = context.Transaction.DPoP();
        var (thumbprint, certificateBound) = DPoPConfirmation.Read(principal);
        if (thumbprint is null)
        {
            // RFC 9449 7.2 leaves open whether a bearer token may come as DPoP; refused, so that the scheme always says
            // what the token is, and a client that thinks its token is bound learns at once that it is not. A proof sent
            // beside a bearer token is ignored (RFC 9449 7.2 allows it).
            if (dpop.PresentedAsDPoP)
            {
                context.Reject(error: Errors.InvalidToken, uri: "",
                    description: "The access token is not bound to a DPoP key; present it with the Bearer scheme.");
            }

            return;
        }

        dpop.TokenBound = true;
        if (!dpop.PresentedAsDPoP)
        {
            // RFC 9449 7.2: a bound token downgraded to Bearer is what a thief without the key would send.
            context.Reject(error: Errors.InvalidToken, uri: "",
                description: "The access token is bound to a DPoP key; present it with the DPoP scheme and a DPoP proof.");
            return;
        }

        var proof = await proofs.ValidateAsync(request, context.Token, thumbprint, context.CancellationToken);
        switch (proof.Status)
        {
            case DPoPProofStatus.Valid:
                // Checked here; OpenIddict's step would throw on a jkt. A certificate binding beside it is still its to check.
                context.DisableProofOfPossessionValidation = !certificateBound;
                break;

            case DPoPProofStatus.Unavailable:
                context.Reject(error: Errors.ServerError, description: proof.ErrorDescription, uri: "");
                break;

            default:
                context.Reject(error: InvalidProof, description: proof.ErrorDescription, uri: "");
                break;
        }
    }
}
