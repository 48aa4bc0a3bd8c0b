using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Logout;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.Telemetry;
using RedisJwt.Revocation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>
/// Every revocation the IdentityServer makes, each in the same order: Redis first (resource servers learn it
/// within a second, and a failure there aborts before anything changed), then PostgreSQL (the token endpoint and
/// introspection agree), then the session list. Every client that took part in an ended session is told through its
/// back channel (<see cref="BackChannelLogouts"/>), queued as soon as the session is over. Each call is counted by cause
/// and written to the audit log once it is recorded.
/// </summary>
public sealed class Revoker(RevocationWriter writer, ApplicationDbContext db, IOpenIddictAuthorizationManager authorizations,
    IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens, SessionStore sessions, BackChannelLogouts logouts,
    IOptions<ServerSettings> settings, TimeProvider clock, AuthEvents events, ILogger<Revoker> logger)
{
    // Resource servers accept a token until exp plus their clock skew (at most 5 minutes, Auth:ClockSkew), so a
    // revocation must outlive that; one more minute covers a token being issued while we revoke.
    private static readonly TimeSpan ResourceServerClockSkew = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan IssuanceMargin = TimeSpan.FromMinutes(1);

    // Every access token of what is revoked expires within one access-token lifetime from now.
    private DateTimeOffset AccessTokensExpireBy =>
        clock.GetUtcNow() + settings.Value.AccessTokenLifetime + ResourceServerClockSkew + IssuanceMargin;

    public async Task RevokeAccessTokenAsync(string jti, DateTimeOffset expiresAt, RevocationCause cause, string? userId)
    {
        await writer.RevokeAsync(Revoked.Token(jti, expiresAt + ResourceServerClockSkew));
        events.Revoked(cause, "access token", userId);
    }

    /// <summary>One authorization: the refresh token chain and every access token issued from it.</summary>
    public async Task RevokeFamilyAsync(string authorizationId, RevocationCause cause, string? userId)
    {
        await writer.RevokeAsync(Revoked.Family(authorizationId, AccessTokensExpireBy));
        await RevokeInDatabaseAsync(authorizationId);
        events.Revoked(cause, "token family", userId);
    }

    /// <summary>
    /// For a detected theft, where refusing is no option: PostgreSQL in any case (the family can never be refreshed
    /// again), Redis if it answers. The client that held the family is told its session is over (back-channel logout),
    /// when the family belongs to a session: its sign-in lived on those tokens.
    /// </summary>
    /// <returns>False when Redis could not record it (resource servers accept its access tokens until they expire).</returns>
    public async Task<bool> RevokeFamilyWhateverItTakesAsync(string authorizationId, RevocationCause cause, string? userId,
        string? clientId = null, string? sid = null)
    {
        var recorded = true;
        try
        {
            await writer.RevokeAsync(Revoked.Family(authorizationId, AccessTokensExpireBy));
        }
        catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException)
        {
            recorded = false;
        }

        await RevokeInDatabaseAsync(authorizationId);
        events.Revoked(cause, recorded ? "token family" : "token family (PostgreSQL only)", userId);
        if (clientId is not null && userId is not null && sid is not null)
        {
            try
            {
                await logouts.ClientSessionEndedAsync(clientId, userId, sid);
            }
            catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException)
            {
                logger.LogError(exception, "Client {ClientId} could not be told that session {SessionId} ended: its back-channel logout was not queued.",
                    clientId, sid);
            }
        }

        return recorded;
    }

    /// <returns>The session as it ended, with the clients that took part in it; null when it had already ended.</returns>
    public async Task<SessionRecord?> EndSessionAsync(string userId, string sid, RevocationCause cause)
    {
        var ended = await EndOneSessionAsync(userId, sid);
        events.Revoked(cause, "session", userId);
        return ended;
    }

    private async Task<SessionRecord?> EndOneSessionAsync(string userId, string sid)
    {
        await writer.RevokeAsync(Revoked.Session(sid, AccessTokensExpireBy));
        // Ended before its families are read: from here no token request can add one (SessionStore.RecordIssuanceAsync).
        var ended = await sessions.EndAsync(userId, sid);
        if (ended is not null)
        {
            await logouts.SessionsEndedAsync(userId, [ended]);
        }

        foreach (var authorizationId in await sessions.AuthorizationsAsync(userId, sid))
        {
            await RevokeInDatabaseAsync(authorizationId);
        }

        await sessions.ForgetAuthorizationsAsync(userId, sid);
        return ended;
    }

    /// <summary>Every session of the user but one (a password change from that one).</summary>
    public async Task EndOtherSessionsAsync(string userId, string keepSessionId, RevocationCause cause)
    {
        var others = (await sessions.ListAsync(userId)).Where(session => session.Sid != keepSessionId).ToList();
        foreach (var session in others)
        {
            await EndOneSessionAsync(userId, session.Sid);
        }

        // Counted only when something ended: a password change from the only session revokes nothing.
        if (others.Count > 0)
        {
            events.Revoked(cause, "other sessions", userId);
        }
    }

    /// <summary>Log out everywhere: every session, and any token of the user issued before now.</summary>
    public async Task EndAllSessionsAsync(string userId, RevocationCause cause)
    {
        var expiresBy = AccessTokensExpireBy;
        var known = await sessions.ListAsync(userId);
        await writer.RevokeAsync([
            Revoked.User(userId, clock.GetUtcNow(), expiresBy),
            .. known.Select(session => Revoked.Session(session.Sid, expiresBy))]);

        // Sessions end first: from then on no token request can start a family, so the list below is complete.
        var ended = await sessions.EndAllAsync(userId);
        await logouts.SessionsEndedAsync(userId, ended);

        // Every live token family of the user (one revoked before stays revoked: skipping it keeps this from growing
        // with every sign-in the user ever made). Remembered consents are permanent authorizations and stay.
        var families = new List<object>();
        await foreach (var authorization in authorizations.FindBySubjectAsync(userId))
        {
            if (await authorizations.HasTypeAsync(authorization, AuthorizationTypes.AdHoc)
                && !await authorizations.HasStatusAsync(authorization, Statuses.Revoked))
            {
                families.Add(authorization);
            }
        }

        foreach (var authorization in families)
        {
            await RevokeInDatabaseAsync(await authorizations.GetIdAsync(authorization) ?? "");
        }

        await tokens.RevokeBySubjectAsync(userId);
        foreach (var sid in known.Concat(ended).Select(session => session.Sid).Distinct(StringComparer.Ordinal))
        {
            await sessions.ForgetAuthorizationsAsync(userId, sid);
        }

        events.Revoked(cause, "all sessions", userId);
    }

    /// <summary>
    /// A user withdraws an app's access (remembered consent): the consent itself, and every token family the app
    /// holds for the user, at resource servers too. The app must ask again next time.
    /// </summary>
    public async Task RevokeClientAccessAsync(string userId, string applicationId)
    {
        var granted = new List<(string Id, bool IsFamily)>();
        await foreach (var authorization in authorizations.FindAsync(userId, applicationId, Statuses.Valid, type: null, scopes: null))
        {
            granted.Add((await authorizations.GetIdAsync(authorization) ?? "",
                await authorizations.HasTypeAsync(authorization, AuthorizationTypes.AdHoc)));
        }

        var expiresBy = AccessTokensExpireBy;
        await writer.RevokeAsync([.. granted.Where(entry => entry.IsFamily).Select(entry => Revoked.Family(entry.Id, expiresBy))]);
        foreach (var (id, _) in granted)
        {
            await RevokeInDatabaseAsync(id);
        }

        events.Revoked(RevocationCause.ConsentWithdrawn, "client access", userId);

        // The app's sign-ins in the user's live sessions lived on the tokens just revoked: it is told they are over.
        // After the revocation, which it cannot undo: a failure here is logged, not reported as access kept.
        try
        {
            if (await applications.FindByIdAsync(applicationId) is { } application && await applications.GetClientIdAsync(application) is { } clientId)
            {
                foreach (var session in (await sessions.ListAsync(userId)).Where(session => session.Clients.Contains(clientId)))
                {
                    await logouts.ClientSessionEndedAsync(clientId, userId, session.Sid);
                }
            }
        }
        catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogError(exception, "The app withdrawn by user {UserId} could not be told its sessions ended: no back-channel logout queued.", userId);
        }
    }

    /// <summary>
    /// Everything a client holds, before it is removed: each token family issued to it, and its client_credentials
    /// tokens, which belong to no family but have the client_id as subject (a client_id is never GUID-shaped, so no
    /// user shares that mark).
    /// </summary>
    public async Task EndClientAsync(string applicationId, string clientId)
    {
        var families = await db.Set<OpenIddictEntityFrameworkCoreAuthorization>()
            .Where(authorization => authorization.Application!.Id == applicationId && authorization.Status != Statuses.Revoked)
            .Select(authorization => authorization.Id!)
            .ToListAsync();

        var expiresBy = AccessTokensExpireBy;
        // One second ahead: the mark covers tokens issued before it (whole seconds), so also one issued this second;
        // none can be issued after, the client is about to go.
        await writer.RevokeAsync([
            Revoked.User(clientId, clock.GetUtcNow().AddSeconds(1), expiresBy),
            .. families.Select(family => Revoked.Family(family, expiresBy))]);

        foreach (var family in families)
        {
            await RevokeInDatabaseAsync(family);
        }

        await db.Set<OpenIddictEntityFrameworkCoreToken>()
            .Where(token => token.Application!.Id == applicationId && token.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(update => update
                .SetProperty(token => token.Status, Statuses.Revoked)
                .SetProperty(token => token.ConcurrencyToken, Guid.NewGuid().ToString()));
        events.Revoked(RevocationCause.ClientRemoved, "client " + clientId, userId: null);
    }

    private async Task RevokeInDatabaseAsync(string authorizationId)
    {
        // One conditional UPDATE rather than TryRevokeAsync on an entity, which a racing refresh grant makes fail on the
        // concurrency token (and a retry in this scope gets the same stale tracked entity back). A racing grant saving
        // its old copy of the row afterwards cannot undo it: revoked is final in the database (migration
        // RevocationIsFinal). Tokens it creates after the bulk revocation below are dead on arrival: the token
        // endpoint and introspection check their authorization too.
        await db.Set<OpenIddictEntityFrameworkCoreAuthorization>()
            .Where(authorization => authorization.Id == authorizationId && authorization.Status != Statuses.Revoked)
            .ExecuteUpdateAsync(update => update
                .SetProperty(authorization => authorization.Status, Statuses.Revoked)
                .SetProperty(authorization => authorization.ConcurrencyToken, Guid.NewGuid().ToString()));

        await tokens.RevokeByAuthorizationIdAsync(authorizationId);
    }
}
