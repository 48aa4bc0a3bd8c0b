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
/// A user's own sessions (signed in with the Identity cookie) and, for admins, anyone's; plus the admin actions that
/// end all of a user's sessions (lock, delete). Ending is immediate everywhere: see <see cref="Revoker"/>.
/// </summary>
public static class SessionsApi
{
    public const string AdminPolicy = "admin";

    /// <summary>The cookie-authenticated API for a user's own sessions (see <see cref="Shared.PagesSetup.IsApi"/>).</summary>
    public const string OwnSessionsPrefix = "/account/sessions";

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder endpoints)
    {
        var own = endpoints.MapGroup(OwnSessionsPrefix).RequireAuthorization().AddEndpointFilter(SameOriginOnly);
        own.MapGet("/", (ClaimsPrincipal user, SessionStore sessions, UserManager<ApplicationUser> users) =>
            ListAsync(users.GetUserId(user)!, user.GetSessionId(), sessions));
        own.MapDelete("/{sid}", (string sid, ClaimsPrincipal user, SessionStore sessions, Revoker revoker, UserManager<ApplicationUser> users) =>
            EndAsync(users.GetUserId(user)!, sid, sessions, revoker, RevocationCause.SessionEnded));
        own.MapDelete("/", (ClaimsPrincipal user, Revoker revoker, UserManager<ApplicationUser> users) =>
            EndAllAsync(users.GetUserId(user)!, revoker, RevocationCause.LogoutEverywhere));

        // The same for a first-party app or SPA holding an access token with the account scope (no cookie, no CSRF).
        var bearer = endpoints.MapGroup(AuthEndpoints.Prefix + "/sessions").RequireAuthorization(AuthEndpoints.AccountPolicy);
        bearer.MapGet("/", (ClaimsPrincipal caller, SessionStore sessions) =>
            Subject(caller) is { } userId ? ListAsync(userId, caller.GetSessionId(), sessions) : NotAUserToken());
        bearer.MapDelete("/{sid}", (string sid, ClaimsPrincipal caller, SessionStore sessions, Revoker revoker) =>
            Subject(caller) is { } userId ? EndAsync(userId, sid, sessions, revoker, RevocationCause.SessionEnded) : NotAUserToken());
        bearer.MapDelete("/", (ClaimsPrincipal caller, Revoker revoker) =>
            Subject(caller) is { } userId ? EndAllAsync(userId, revoker, RevocationCause.LogoutEverywhere) : NotAUserToken());

        var admin = endpoints.MapGroup(Shared.PagesSetup.AdminApiPrefix + "/users/{userId}").RequireAuthorization(AdminPolicy).AddEndpointFilter(SameOriginOnly);
        admin.MapGet("/sessions", async (string userId, SessionStore sessions, UserManager<ApplicationUser> users) =>
            await users.FindByIdAsync(userId) is null ? UnknownUser() : await ListAsync(userId, currentSid: null, sessions));
        admin.MapDelete("/sessions/{sid}", (string userId, string sid, SessionStore sessions, Revoker revoker) =>
            EndAsync(userId, sid, sessions, revoker, RevocationCause.Admin));
        admin.MapDelete("/sessions", async (string userId, Revoker revoker, UserManager<ApplicationUser> users) =>
            await users.FindByIdAsync(userId) is null ? UnknownUser() : await EndAllAsync(userId, revoker, RevocationCause.Admin));
        admin.MapPost("/lock", (string userId, UserManager<ApplicationUser> users) => Guarded(async () =>
            await users.FindByIdAsync(userId) is { } user
                ? Outcome(await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue))
                : UnknownUser()));
        admin.MapDelete("/", (string userId, UserManager<ApplicationUser> users) => Guarded(async () =>
            await users.FindByIdAsync(userId) is { } user ? Outcome(await users.DeleteAsync(user)) : UnknownUser()));
        return endpoints;
    }

    // A user's token names its session; a client_credentials token (sub = client_id) names none and has no sessions.
    private static string? Subject(ClaimsPrincipal caller) =>
        caller.GetSessionId() is null ? null : caller.GetClaim(Claims.Subject);

    private static Task<IResult> NotAUserToken() => Task.FromResult<IResult>(AuthEndpoints.NotAUserToken());

    private static async Task<IResult> ListAsync(string userId, string? currentSid, SessionStore sessions) =>
        await Guarded(async () => TypedResults.Ok((await sessions.ListAsync(userId)).Select(session => new SessionView(
            session.Sid, session.Sid == currentSid, session.CreatedAt, session.LastSeenAt, session.ExpiresAt,
            session.IpAddress, session.UserAgent, session.Clients))));

    private static async Task<IResult> EndAsync(string userId, string sid, SessionStore sessions, Revoker revoker,
        RevocationCause cause) =>
        await Guarded(async () =>
        {
            if (await sessions.FindAsync(userId, sid) is null)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "There is no such session.");
            }

            await revoker.EndSessionAsync(userId, sid, cause);
            return TypedResults.NoContent();
        });

    private static async Task<IResult> EndAllAsync(string userId, Revoker revoker, RevocationCause cause) =>
        await Guarded(async () =>
        {
            await revoker.EndAllSessionsAsync(userId, cause);
            return TypedResults.NoContent();
        });

    /// <summary>
    /// CSRF defence for these cookie-authenticated endpoints (SameSite=Lax still sends the cookie from sibling
    /// subdomains): a browser request that changes something must come from this origin. Browsers send
    /// Sec-Fetch-Site and Origin; clients without them are not browsers, and cannot be tricked into sending a cookie.
    /// </summary>
    private static async ValueTask<object?> SameOriginOnly(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
            var origin = request.Headers.Origin.ToString();
            var ownOrigin = $"{request.Scheme}://{request.Host}";
            if ((fetchSite.Length > 0 && fetchSite is not ("same-origin" or "none"))
                || (origin.Length > 0 && !string.Equals(origin, ownOrigin, StringComparison.OrdinalIgnoreCase)))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                    detail: "Cross-origin requests cannot change sessions.");
            }
        }

        return await next(context);
    }

    private static IResult Outcome(IdentityResult result) => result.Succeeded
        ? TypedResults.NoContent()
        : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
            detail: string.Join(" ", result.Errors.Select(error => error.Description)));

    private static ProblemHttpResult UnknownUser() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "There is no such user.");

    // Sessions live in Redis: without it nothing can be listed or ended, and an end is never pretended.
    private static async Task<IResult> Guarded(Func<Task<IResult>> action)
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
