using OpenIddict.Server;
using RedisJwt.Revocation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>
/// Introspection and userinfo honour the revocations in Redis, as every resource server does: a token whose jti,
/// session, family or user is revoked is invalid (introspection answers <c>{"active": false}</c>). This is the only
/// revocation record of a token that has no row (<see cref="NoTokenRowForClientCredentials"/>), and it is read from
/// the in-memory view the revocation channel keeps current, so it costs no round trip. An unknown state (Redis lost
/// beyond the degraded window) is temporarily_unavailable (503), never "active".
/// </summary>
public sealed class RevokedTokensInactive(RevocationView view) : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseSingletonHandler<RevokedTokensInactive>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        if (context.EndpointType is not (OpenIddictServerEndpointType.Introspection or OpenIddictServerEndpointType.UserInfo)
            || context.Principal is not { } principal)
        {
            return;
        }

        switch (await view.CheckAsync(TokenFacts.Of(principal)))
        {
            case RevocationStatus.Revoked:
                context.Reject(error: Errors.InvalidToken, description: "The token has been revoked.");
                break;

            case RevocationStatus.Unknown:
                context.Reject(error: Errors.TemporarilyUnavailable, description: "Revocations cannot be checked right now; retry shortly.");
                break;
        }
    }
}
