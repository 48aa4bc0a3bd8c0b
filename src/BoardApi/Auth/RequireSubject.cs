using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.BoardApi.Auth;

/// <summary>
/// RFC 9068 2.2 makes <c>sub</c> required in an access token, and every post is owned by one: a token without it
/// is an invalid token (401), not a request the API has to guess an owner for. Runs in both validation modes, on
/// the principal from the JWT or from introspection.
/// </summary>
public sealed class RequireSubject : IOpenIddictValidationHandler<ValidateTokenContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<RequireSubject>()
            .SetOrder(OpenIddictValidationHandlers.Protection.ValidateAudiences.Descriptor.Order + 1_000)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public const string Description = "The access token has no subject (sub).";

    public ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (string.IsNullOrEmpty(context.Principal?.GetClaim(Claims.Subject)))
        {
            context.Reject(error: Errors.InvalidToken, description: Description, uri: "");
        }

        return default;
    }
}
