using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>
/// A client_credentials access token gets no token row in PostgreSQL: it belongs to no user, session or refresh-token
/// family, so the row would serve only revocation, and revocation of an access token is by its jti in Redis
/// (<see cref="RecordRevokedToken"/>), which every resource server and introspection consult
/// (<see cref="RevokedTokensInactive"/>). The row was a synchronous INSERT on every machine-to-machine token.
/// </summary>
public sealed class NoTokenRowForClientCredentials : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<NoTokenRowForClientCredentials>()
            // CreateTokenEntry is decided when the context is made; this runs before the entry would be created.
            .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        if (context.EndpointType == OpenIddictServerEndpointType.Token
            && context.TokenType == TokenTypeIdentifiers.AccessToken
            && context.Request?.IsClientCredentialsGrantType() is true)
        {
            context.CreateTokenEntry = false;
            // A reference token would need the row to hold its payload: these stay self-contained JWTs.
            context.IsReferenceToken = false;
            context.PersistTokenPayload = false;
        }

        return default;
    }
}
