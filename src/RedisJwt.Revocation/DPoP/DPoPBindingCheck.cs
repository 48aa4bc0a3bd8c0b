using Microsoft.AspNetCore;
using OpenIddict.Validation;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.Revocation.DPoP;

/// <summary>
/// The resource server's half of DPoP (RFC 9449 7), as a step of OpenIddict's token validation: a token bound to a key
/// (<c>cnf.jkt</c>) is accepted only as <c>Authorization: DPoP</c> with a valid, unused proof signed by that key and
/// made for this request and this token.
/// </summary>
internal sealed class DPoPBindingCheck(DPoPProofValidator proofs) : IOpenIddictValidationHandler<ValidateTokenContext>
{
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
        var verdict = await DPoPBindingRule.CheckAsync(proofs, request, context.Token!, principal, dpop.PresentedAsDPoP, context.CancellationToken);
        dpop.TokenBound = verdict.TokenBound;
        if (verdict.Error is { } error)
        {
            context.Reject(error: error, description: verdict.ErrorDescription, uri: "");
            return;
        }

        // Checked here; OpenIddict's step would throw on a jkt. A certificate binding beside it is still its to check.
        context.DisableProofOfPossessionValidation = verdict.TokenBound && !verdict.CertificateBound;
    }
}
