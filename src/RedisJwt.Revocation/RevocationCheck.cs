using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.Revocation;

/// <summary>
/// The resource-server half of revocation, as one step of OpenIddict's token validation: a token whose jti,
/// session (sid), family (aid) or user mark is revoked is an invalid token; an unknown revocation state is a 503.
/// </summary>
internal sealed class RevocationCheck(RevocationView view, IOptions<RevocationOptions> options)
    : IOpenIddictValidationHandler<ValidateTokenContext>
{
    /// <summary>The error description of a revoked token; metrics tell it by <see cref="RevokedTokens.WasRevoked"/>.</summary>
    public const string RevokedDescription = "The access token has been revoked.";

    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<RevocationCheck>()
            // Last: only a token that is otherwise valid is worth a look.
            .SetOrder(OpenIddictValidationHandlers.Protection.ValidateAudiences.Descriptor.Order + 5_000)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (!options.Value.CheckEnabled || context.Principal is not { } principal)
        {
            return;
        }

        switch (await view.CheckAsync(TokenFacts.Of(principal)))
        {
            case RevocationStatus.Revoked:
                context.Transaction.MarkRevoked();
                context.Reject(error: Errors.InvalidToken, description: RevokedDescription, uri: "");
                break;

            case RevocationStatus.Unknown:
                context.Reject(error: Errors.ServerError, description: "Revocations cannot be checked right now; try again shortly.", uri: "");
                break;
        }
    }
}
