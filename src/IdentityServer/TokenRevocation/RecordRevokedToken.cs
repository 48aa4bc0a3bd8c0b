using OpenIddict.Abstractions;
using OpenIddict.Server;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>
/// The revocation endpoint (RFC 7009), extended to resource servers: an access token is revoked by its jti; a
/// refresh token takes its whole family with it (RFC 7009 2.1: the access tokens of the same grant too). Runs just
/// before OpenIddict marks the token revoked in PostgreSQL, so if Redis cannot record it, nothing is revoked and
/// the client is told to retry.
/// </summary>
public sealed class RecordRevokedToken(Revoker revoker, ILogger<RecordRevokedToken> logger)
    : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    /// <summary>
    /// Transaction property set once the revocation is complete without OpenIddict's row update: a refresh token's
    /// whole family revoked in Redis and PostgreSQL, or an access token that has no row revoked in Redis.
    /// </summary>
    public const string RecordedProperty = ".redisjwt_revocation_recorded";

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
                await revoker.RevokeAccessTokenAsync(jti, expiresAt, RevocationCause.RevocationEndpoint, principal.GetClaim(Claims.Subject));
                if (principal.GetTokenId() is null)
                {
                    // No row to mark (a client_credentials token): Redis is its whole revocation record, and OpenIddict's
                    // "cannot be revoked" that follows is answered 200 (RevocationRecordedResponse).
                    context.Transaction.Properties[RecordedProperty] = true;
                }
            }
            else if (principal?.HasTokenType(TokenTypeIdentifiers.RefreshToken) is true && principal.GetAuthorizationId() is { } family)
            {
                await revoker.RevokeFamilyAsync(family, RevocationCause.RevocationEndpoint, principal.GetClaim(Claims.Subject));
                context.Transaction.Properties[RecordedProperty] = true;
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

/// <summary>
/// OpenIddict refuses to mark a token revoked when a concurrent request changed its row a moment earlier (a racing
/// refresh redeeming it), or when it has no row, and answers unsupported_token_type. When the revocation was already recorded by
/// <see cref="RecordRevokedToken"/> (the whole family, in Redis and PostgreSQL), it did happen: answer 200 as
/// RFC 7009 2.2 says.
/// </summary>
public sealed class RevocationRecordedResponse : IOpenIddictServerHandler<ApplyRevocationResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyRevocationResponseContext>()
            .UseSingletonHandler<RevocationRecordedResponse>()
            .SetOrder(OpenIddictServerHandlers.Revocation.NormalizeErrorResponse.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyRevocationResponseContext context)
    {
        if (context.Response.Error is Errors.UnsupportedTokenType
            && context.Transaction.Properties.ContainsKey(RecordRevokedToken.RecordedProperty))
        {
            context.Response.Error = null;
            context.Response.ErrorDescription = null;
            context.Response.ErrorUri = null;
        }

        return default;
    }
}
