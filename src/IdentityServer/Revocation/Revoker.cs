using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.Revocation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Revocation;

/// <summary>
/// Every revocation the IdentityServer makes, each in the same order: Redis first (resource servers learn it
/// within a second, and a failure there aborts before anything changed), then PostgreSQL (the token endpoint and
/// introspection agree), then the session list.
/// </summary>
public sealed class Revoker(RevocationWriter writer, IOpenIddictAuthorizationManager authorizations,
    IOpenIddictTokenManager tokens, SessionStore sessions, IOptions<ServerSettings> settings, TimeProvider clock)
{
    // Every access token of what is revoked expires within one access-token lifetime from now; the minute covers a
    // token being issued while we revoke, and clock skew at resource servers.
    private DateTimeOffset AccessTokensExpireBy => clock.GetUtcNow() + settings.Value.AccessTokenLifetime + TimeSpan.FromMinutes(1);

    public Task RevokeAccessTokenAsync(string jti, DateTimeOffset expiresAt) =>
        writer.RevokeAsync(Revoked.Token(jti, expiresAt));

    /// <summary>One authorization: the refresh token chain and every access token issued from it.</summary>
    public async Task RevokeFamilyAsync(string authorizationId)
    {
        await writer.RevokeAsync(Revoked.Family(authorizationId, AccessTokensExpireBy));
        await RevokeInDatabaseAsync(authorizationId);
    }

    public async Task EndSessionAsync(string userId, string sid)
    {
        await writer.RevokeAsync(Revoked.Session(sid, AccessTokensExpireBy));
        foreach (var authorizationId in await sessions.AuthorizationsAsync(sid))
        {
            await RevokeInDatabaseAsync(authorizationId);
        }

        await sessions.RemoveAsync(userId, sid);
    }

    /// <summary>Log out everywhere: every session, and any token of the user issued before now.</summary>
    public async Task EndAllSessionsAsync(string userId)
    {
        var expiresBy = AccessTokensExpireBy;
        var known = await sessions.ListAsync(userId);
        await writer.RevokeAsync([
            Revoked.User(userId, clock.GetUtcNow(), expiresBy),
            .. known.Select(session => Revoked.Session(session.Sid, expiresBy))]);

        // Every token family of the user. Remembered consents are permanent authorizations and stay.
        var families = new List<object>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(userId))
        {
            if (await authorizations.HasTypeAsync(authorization, AuthorizationTypes.AdHoc))
            {
                families.Add(authorization);
            }
        }

        foreach (var authorization in families)
        {
            await RevokeInDatabaseAsync(await authorizations.GetIdAsync(authorization) ?? "");
        }

        await tokens.RevokeBySubjectAsync(userId);
        await sessions.RemoveAllAsync(userId);
    }

    private async Task RevokeInDatabaseAsync(string authorizationId)
    {
        if (await authorizations.FindByIdAsync(authorizationId) is { } authorization)
        {
            // A refresh grant that checked the authorization a moment ago may still create tokens under it; they are
            // dead on arrival, since the token endpoint and introspection check the authorization too.
            await authorizations.TryRevokeAsync(authorization);
        }

        await tokens.RevokeByAuthorizationIdAsync(authorizationId);
    }
}
