using Microsoft.AspNetCore;
using OpenIddict.Server;
using RedisJwt.Revocation.DPoP;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.DPoP;

/// <summary>
/// A DPoP proof sent with a pushed authorization request binds the code to its key (RFC 9449 10.1), like dpop_jkt:
/// the push is stored with the key's thumbprint as its dpop_jkt, and the code is then redeemed only with a proof of that
/// key (<see cref="DPoPBinding"/>). A dpop_jkt pushed beside a proof must name the same key.
/// </summary>
public sealed class PushedRequestProofs(DPoPProofValidator proofs) : IOpenIddictServerHandler<ValidatePushedAuthorizationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidatePushedAuthorizationRequestContext>()
            .UseSingletonHandler<PushedRequestProofs>()
            // Once OpenIddict has authenticated the client and checked the request: a proof costs a Redis write.
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidatePushedAuthorizedParty.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidatePushedAuthorizationRequestContext context)
    {
        if (context.Transaction.GetHttpRequest() is not { } request)
        {
            return;
        }

        var proof = await proofs.ValidateAsync(request, accessToken: null, expectedThumbprint: null, context.CancellationToken);
        switch (proof.Status)
        {
            case DPoPProofStatus.Absent:
                return;

            case DPoPProofStatus.Valid when (string?)context.Request[DPoPBinding.CodeBindingParameter] is { } named && named != proof.Thumbprint:
                context.Reject(error: DPoPBindingRule.InvalidProofError,
                    description: "dpop_jkt names another key than the one the DPoP proof is signed with (RFC 9449 10.1).");
                return;

            case DPoPProofStatus.Valid:
                context.Request[DPoPBinding.CodeBindingParameter] = proof.Thumbprint;
                return;

            case DPoPProofStatus.Invalid:
                context.Reject(error: DPoPBindingRule.InvalidProofError, description: proof.ErrorDescription);
                return;

            default:
                context.Reject(error: Errors.TemporarilyUnavailable, description: "DPoP proofs cannot be checked right now; retry shortly.");
                return;
        }
    }
}
