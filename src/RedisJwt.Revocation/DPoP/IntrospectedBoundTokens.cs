using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.Revocation.DPoP;

/// <summary>
/// In introspection mode no token validation runs here for <see cref="DPoPBindingCheck"/> to hook into, so a DPoP-bound
/// token (introspection answers its <c>cnf</c>, RFC 9449 6.2) cannot have its proof checked: it is an invalid token
/// here. Without this, OpenIddict's own proof-of-possession step, which knows only certificate bindings, throws on the
/// <c>jkt</c> and the answer is a 500.
/// </summary>
internal sealed class IntrospectedBoundTokens : IOpenIddictValidationHandler<ProcessAuthenticationContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .UseSingletonHandler<IntrospectedBoundTokens>()
            .SetOrder(OpenIddictValidationHandlers.ValidateIntrospectedTokenProofOfPossession.Descriptor.Order - 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        if (context.Options.ValidationType == OpenIddictValidationType.Introspection
            && context.AccessTokenPrincipal is { } principal && DPoPConfirmation.ThumbprintOf(principal) is not null)
        {
            context.Reject(error: Errors.InvalidToken, uri: "",
                description: "This API checks tokens by introspection and takes no DPoP-bound tokens.");
        }

        return default;
    }
}
