using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// Adjusts the errors OpenIddict puts in WWW-Authenticate (RFC 6750 3) to our API contract:
/// <list type="bullet">
/// <item>A request without a token is answered <c>error="invalid_token"</c> like every other rejected token, so a
/// client has one rule: 401 with invalid_token means "get a (new) token". OpenIddict would omit the error
/// (RFC 6750 3.1 says SHOULD NOT); our contract names it, and the description says what is missing.</item>
/// <item>insufficient_scope carries no error_uri: OpenIddict's default links its page about insufficient_access.</item>
/// </list>
/// </summary>
public sealed class ChallengeErrors : IOpenIddictValidationHandler<ProcessChallengeContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessChallengeContext>()
            .UseSingletonHandler<ChallengeErrors>()
            .SetOrder(OpenIddictValidationHandlers.AttachDefaultChallengeError.Descriptor.Order + 1_000)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessChallengeContext context)
    {
        switch (context.Response.Error)
        {
            case Errors.MissingToken:
                context.Response.Error = Errors.InvalidToken;
                context.Response.ErrorDescription = "The request carries no access token.";
                context.Response.ErrorUri = null;
                break;

            case Errors.InsufficientScope:
                context.Response.ErrorUri = null;
                break;
        }

        return default;
    }
}
