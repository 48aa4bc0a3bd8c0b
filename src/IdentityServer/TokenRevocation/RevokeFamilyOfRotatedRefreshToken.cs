using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>
/// A refresh token already rotated, presented at the revocation or introspection endpoint. OpenIddict then revokes
/// the token rows of its family and answers as for an invalid token, which leaves two gaps: a racing refresh that
/// redeemed the token but has not yet stored its successor gets a live new token, and resource servers never hear
/// of it. So the whole family goes here, as at the token endpoint (<see cref="DetectRedeemedTokenReuse"/>): the
/// authorization in PostgreSQL (its later tokens are dead on arrival) and the family in Redis.
/// At the revocation endpoint this is always the intent (end the grant: a client revoking while its own refresh
/// races, or after a lost response); at introspection only outside the grace window, where OpenIddict too calls it reuse.
/// Only for the client the token was issued to: another client presenting it is answered as for an invalid token,
/// before OpenIddict would revoke the owner's tokens (a client must not end another's grant, RFC 7009 2.1).
/// </summary>
public sealed class RevokeFamilyOfRotatedRefreshToken(IOpenIddictTokenManager tokens, IOpenIddictApplicationManager applications, Revoker revoker,
    IOptions<ServerSettings> settings, TimeProvider clock, ILogger<RevokeFamilyOfRotatedRefreshToken> logger)
    : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<RevokeFamilyOfRotatedRefreshToken>()
            // Before the handler is resolved: its services (Revoker, hence a DbContext and the managers) were built on
            // every introspection of an access token, for nothing.
            .AddFilter<RequireRefreshTokenPresented>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>Whether <see cref="HandleAsync"/> has anything to check: a refresh token presented for revocation or introspection.</summary>
    public static bool Applies(ValidateTokenContext context) =>
        context.EndpointType is OpenIddictServerEndpointType.Revocation or OpenIddictServerEndpointType.Introspection
        && !string.IsNullOrEmpty(context.TokenId)
        && context.Principal?.HasTokenType(TokenTypeIdentifiers.RefreshToken) is true;

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        // The filter has checked this already; checked again so that the handler is safe however it is registered.
        if (!Applies(context)
            || context.Principal is null
            || string.IsNullOrEmpty(context.TokenId)
            || await tokens.FindByIdAsync(context.TokenId) is not { } token
            || !await tokens.HasStatusAsync(token, Statuses.Redeemed)
            || await tokens.GetAuthorizationIdAsync(token) is not { } family)
        {
            return;
        }

        if (!await IssuedToCallerAsync(token, context.Request?.ClientId))
        {
            context.Reject(error: Errors.InvalidToken, description: "The token is not valid for this client.");
            return;
        }

        if (context.EndpointType == OpenIddictServerEndpointType.Introspection && await WithinGraceWindowAsync(token))
        {
            return;
        }

        var cause = context.EndpointType == OpenIddictServerEndpointType.Revocation
            ? RevocationCause.RevocationEndpoint
            : RevocationCause.RefreshTokenReuse;
        // The client revoking its own token knows its session is over; a reuse is news to it.
        var reused = cause == RevocationCause.RefreshTokenReuse;
        if (!await revoker.RevokeFamilyWhateverItTakesAsync(family, cause, context.Principal.GetClaim(Claims.Subject),
            reused ? context.Request?.ClientId : null, reused ? context.Principal.GetSessionId() : null))
        {
            logger.LogError(DetectRedeemedTokenReuse.SecurityEvent,
                "Token family {AuthorizationId} revoked in PostgreSQL but not in Redis: its access tokens stay valid at resource servers until they expire.", family);
        }
    }

    private async Task<bool> IssuedToCallerAsync(object token, string? clientId) =>
        clientId is not null
        && await applications.FindByClientIdAsync(clientId) is { } application
        && await applications.GetIdAsync(application) == await tokens.GetApplicationIdAsync(token);

    private async Task<bool> WithinGraceWindowAsync(object token) =>
        settings.Value.RefreshTokenReuseLeeway > TimeSpan.Zero
        && await tokens.GetRedemptionDateAsync(token) is { } redeemedAt
        && redeemedAt + settings.Value.RefreshTokenReuseLeeway >= clock.GetUtcNow();
}

/// <summary>Lets <see cref="RevokeFamilyOfRotatedRefreshToken"/> be resolved only when <see cref="RevokeFamilyOfRotatedRefreshToken.Applies"/>.</summary>
public sealed class RequireRefreshTokenPresented : IOpenIddictServerHandlerFilter<ValidateTokenContext>
{
    public ValueTask<bool> IsActiveAsync(ValidateTokenContext context) => new(RevokeFamilyOfRotatedRefreshToken.Applies(context));
}
