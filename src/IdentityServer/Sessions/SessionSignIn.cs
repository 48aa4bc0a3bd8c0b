using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Data;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Sessions;

/// <summary>
/// Starts a login session: recorded in Redis first, then the Identity cookie carrying its sid. Without Redis there is
/// no session to revoke later, so there is no sign-in either.
/// </summary>
public sealed class SessionSignIn(SignInManager<ApplicationUser> signIns, SessionStore sessions, AccountAlerts alerts,
    TimeProvider clock)
{
    /// <summary>
    /// After the user presented their credentials: a new session, and the cookie carrying it, the time and the
    /// <paramref name="methods"/> (amr) they used.
    /// </summary>
    /// <param name="secondFactor">The factor beyond the password (MultiFactor/Factors), checked again at every use.</param>
    /// <returns>False when the session could not be recorded (Redis unavailable); nobody is signed in.</returns>
    public async Task<bool> SignInAsync(ApplicationUser user, bool persistent, HttpContext http,
        IReadOnlyList<string> methods, string? secondFactor = null)
    {
        if (await StartSessionAsync(user, http, methods) is not { } started)
        {
            return false;
        }

        var claims = CookieClaims(started.SessionId!, started.AuthenticatedAt!.Value, methods, secondFactor);
        claims.Add(SessionClaims.SignedIn(started.AuthenticatedAt!.Value));
        await signIns.SignInWithClaimsAsync(user, persistent, claims);
        return true;
    }

    /// <summary>
    /// Step-up: the signed-in user presented a second factor within their current session. The session stays (its
    /// tokens, its place in the session list); the cookie now says the user authenticated now, by more methods.
    /// </summary>
    /// <returns>False when the current session has ended or cannot be checked; nothing changed.</returns>
    public async Task<bool> StepUpAsync(ApplicationUser user, HttpContext http, IReadOnlyList<string> methods, string secondFactor)
    {
        var current = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (current.Principal?.GetSessionId() is not { } sid || !await IsAliveAsync(http, user.Id, sid))
        {
            return false;
        }

        // The sign-in's own time stays: a second factor alone is no fresh sign-in (FactorChanges.IsRecent).
        var claims = CookieClaims(sid, clock.GetUtcNow(), methods, secondFactor);
        claims.AddRange(current.Principal.FindAll(SessionClaims.SignedInAt).Select(claim => new System.Security.Claims.Claim(claim.Type, claim.Value)));
        await signIns.SignInWithClaimsAsync(user, current.Properties?.IsPersistent ?? false, claims);
        return true;
    }

    private static List<System.Security.Claims.Claim> CookieClaims(string sid, DateTimeOffset authenticatedAt,
        IReadOnlyList<string> methods, string? secondFactor)
    {
        List<System.Security.Claims.Claim> claims =
            [new(SessionClaims.SessionId, sid), SessionClaims.AuthenticationTime(authenticatedAt), .. SessionClaims.MethodClaims(methods)];
        if (secondFactor is not null)
        {
            claims.Add(new(SessionClaims.SecondFactor, secondFactor));
        }

        return claims;
    }

    /// <summary>
    /// After the security stamp of a signed-in user changed (e.g. confirming their email): the same session and sign-in
    /// time, in a cookie issued with the new stamp, which the old one would fail at its next check.
    /// </summary>
    /// <param name="secondFactor">The name the sign-in's second factor has now, when the change renamed it (new
    /// recovery codes replacing the ones it used); null keeps it.</param>
    public async Task RenewCookieAsync(ApplicationUser user, HttpContext http, string? secondFactor = null)
    {
        var current = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var claims = current.Principal is { } principal ? SessionClaims.OfTheSignIn(principal).ToList() : [];
        if (secondFactor is not null)
        {
            claims.RemoveAll(claim => claim.Type == SessionClaims.SecondFactor);
            claims.Add(new(SessionClaims.SecondFactor, secondFactor));
        }

        await signIns.SignInWithClaimsAsync(user, current.Properties?.IsPersistent ?? false, claims);
    }

    /// <summary>A session without a cookie, for a sign-in that yields tokens only (the password grant).</summary>
    /// <returns>The new session and the time the user authenticated (now), or null when it could not be recorded
    /// (Redis unavailable). ID tokens leave out auth_time, unless the caller says otherwise.</returns>
    public async Task<SignInFacts?> StartSessionAsync(ApplicationUser user, HttpContext http, IReadOnlyList<string> methods)
    {
        var sid = SessionClaims.NewSessionId();
        var authenticatedAt = clock.GetUtcNow();
        try
        {
            await sessions.CreateAsync(user.Id, sid, http.Connection.RemoteIpAddress?.ToString(),
                http.Request.Headers.UserAgent.ToString());

            // A password change between this sign-in's password check and now ended every session it could see, but
            // not this one: if the security stamp moved since the user was read, this session goes too.
            var stamp = await signIns.UserManager.Users.AsNoTracking()
                .Where(stored => stored.Id == user.Id).Select(stored => stored.SecurityStamp).FirstOrDefaultAsync();
            if (stamp != user.SecurityStamp)
            {
                await sessions.EndAsync(user.Id, sid);
                return null;
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            http.RequestServices.GetRequiredService<ILogger<SessionSignIn>>()
                .LogError(exception, "Sign-in refused: the session could not be recorded.");
            return null;
        }

        // Every sign-in ends here (login page, registration, password grant): the one place to spot a new device.
        await alerts.SignedInAsync(user, http);
        return new SignInFacts(sid, authenticatedAt, AuthTimeInIdToken: false, methods);
    }

    /// <summary>
    /// For a cookie: does its session still exist (and it is used now)? Ended, expired or unknowable (Redis down) ones
    /// do not.
    /// </summary>
    public static async Task<bool> IsAliveAsync(HttpContext http, string userId, string sid)
    {
        try
        {
            return await http.RequestServices.GetRequiredService<SessionStore>().UseIfAliveAsync(userId, sid);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return false;
        }
    }
}
