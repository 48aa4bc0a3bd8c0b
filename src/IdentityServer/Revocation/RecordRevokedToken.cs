using OpenIddict.Abstractions;
using OpenIddict.Server;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Revocation;

/// <summary>
/// The revocation endpoint (RFC 7009), extended to resource servers: an access token is revoked by its jti; a
/// refresh token takes its whole family with it (RFC 7009 2.1: the access tokens of the same grant too). Runs just
/// before OpenIddict marks the token revoked in PostgreSQL, so if Redis cannot record it, nothing is revoked and
/// the client is told to retry.
/// </summary>
public sealed class RecordRevokedToken(Revoker revoker, ILogger<RecordRevokedToken> logger)
    : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseScopedHandler<RecordRevokedToken>()
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        var principal = context.GenericTokenPrincipal;
        try
        {
            if (principal?.HasTokenType(TokenTypeIdentifiers.AccessToken) is true
                && principal.GetClaim(Claims.JwtId) is { Length: > 0 } jti && principal.GetExpirationDate() is { } expiresAt)
            {
                await revoker.RevokeAccessTokenAsync(jti, expiresAt);
            }
            else if (principal?.HasTokenType(TokenTypeIdentifiers.RefreshToken) is true && principal.GetAuthorizationId() is { } family)
            {
                await revoker.RevokeFamilyAsync(family);
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogError(exception, "Revocation refused: Redis could not record it.");
            context.Reject(error: Errors.TemporarilyUnavailable,
                description: "The revocation could not be recorded; nothing was revoked. Retry shortly.");
        }
    }
}
