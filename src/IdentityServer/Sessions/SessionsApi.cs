using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.TokenRevocation;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Sessions;

/// <summary>One session as the API shows it; <c>current</c> marks the one making the request.</summary>
public sealed record SessionView(string Sid, bool Current, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt,
    DateTimeOffset ExpiresAt, string? IpAddress, string? UserAgent, IReadOnlyList<string> Clients);

/// <summary>
/// A user's own sessions, signed in with the Identity cookie or with an account-scoped token (an admin's view of
/// anyone's is in Admin/AdminUsersApi). Ending is immediate everywhere: see <see cref="Revoker"/>.
/// </summary>
public static class SessionsApi
{
    /// <summary>The cookie-authenticated API for a user's own sessions (see <see cref="Shared.PagesSetup.IsApi"/>).</summary>
    public const string OwnSessionsPrefix = "/account/sessions";

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder endpoints)
    {
        var own = endpoints.MapGroup(OwnSessionsPrefix).RequireAuthorization().AddEndpointFilter(Shared.SameOrigin.ChangesOnly);
        own.MapGet("/", (ClaimsPrincipal user, SessionStore sessions, UserManager<ApplicationUser> users) =>
            ListAsync(users.GetUserId(user)!, user.GetSessionId(), sessions));
        own.MapDelete("/{sid}", (string sid, ClaimsPrincipal user, SessionStore sessions, Revoker revoker, UserManager<ApplicationUser> users) =>
            EndAsync(users.GetUserId(user)!, sid, sessions, revoker, RevocationCause.SessionEnded));
        own.MapDelete("/", (ClaimsPrincipal user, Revoker revoker, UserManager<ApplicationUser> users) =>
            EndAllAsync(users.GetUserId(user)!, revoker, RevocationCause.LogoutEverywhere));

        // The same for a first-party app or SPA holding an access token with the account scope (no cookie, no CSRF).
        var bearer = endpoints.MapGroup(AuthEndpoints.Prefix + "/sessions").RequireAuthorization(AuthEndpoints.AccountPolicy);
        bearer.MapGet("/", (ClaimsPrincipal caller, SessionStore sessions) =>
            Subject(caller) is { } userId ? ListAsync(userId, caller.GetSessionId(), sessions) : NotAUserToken<Ok<IEnumerable<SessionView>>>());
        bearer.MapDelete("/{sid}", (string sid, ClaimsPrincipal caller, SessionStore sessions, Revoker revoker) =>
            Subject(caller) is { } userId ? EndAsync(userId, sid, sessions, revoker, RevocationCause.SessionEnded) : NotAUserToken<NoContent>());
        bearer.MapDelete("/", (ClaimsPrincipal caller, Revoker revoker) =>
            Subject(caller) is { } userId ? EndAllAsync(userId, revoker, RevocationCause.LogoutEverywhere) : NotAUserToken<NoContent>());

        return endpoints;
    }

    // A user's token names its session; a client_credentials token (sub = client_id) names none and has no sessions.
    private static string? Subject(ClaimsPrincipal caller) =>
        caller.GetSessionId() is null ? null : caller.GetClaim(Claims.Subject);

    private static Task<Results<TOk, ProblemHttpResult>> NotAUserToken<TOk>() where TOk : IResult =>
        Task.FromResult<Results<TOk, ProblemHttpResult>>(AuthEndpoints.NotAUserToken());

    internal static Task<Results<Ok<IEnumerable<SessionView>>, ProblemHttpResult>> ListAsync(string userId, string? currentSid,
        SessionStore sessions) =>
        Guarded<Ok<IEnumerable<SessionView>>>(async () => TypedResults.Ok((await sessions.ListAsync(userId)).Select(session => new SessionView(
            session.Sid, session.Sid == currentSid, session.CreatedAt, session.LastSeenAt, session.ExpiresAt,
            session.IpAddress, session.UserAgent, session.Clients))));

    internal static Task<Results<NoContent, ProblemHttpResult>> EndAsync(string userId, string sid, SessionStore sessions, Revoker revoker,
        RevocationCause cause) =>
        Guarded<NoContent>(async () =>
        {
            if (await sessions.FindAsync(userId, sid) is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "There is no such session.");
            }

            await revoker.EndSessionAsync(userId, sid, cause);
            return TypedResults.NoContent();
        });

    internal static Task<Results<NoContent, ProblemHttpResult>> EndAllAsync(string userId, Revoker revoker, RevocationCause cause) =>
        Guarded<NoContent>(async () =>
        {
            await revoker.EndAllSessionsAsync(userId, cause);
            return TypedResults.NoContent();
        });

    // Sessions live in Redis: without it nothing can be listed or ended, and an end is never pretended.
    internal static async Task<Results<TOk, ProblemHttpResult>> Guarded<TOk>(Func<Task<Results<TOk, ProblemHttpResult>>> action)
        where TOk : IResult
    {
        try
        {
            return await action();
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                detail: "Sessions are unavailable right now (Redis cannot be reached); nothing was changed.");
        }
    }
}
