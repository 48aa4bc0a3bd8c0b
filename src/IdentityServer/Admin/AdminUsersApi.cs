using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.TokenRevocation;
using static RedisJwt.IdentityServer.Sessions.SessionsApi;

namespace RedisJwt.IdentityServer.Admin;

/// <summary>
/// For an admin signed in with the Identity cookie: anyone's sessions, and the actions that end all of a user's
/// sessions (lock, delete). Ending is immediate everywhere: see <see cref="Revoker"/>.
/// </summary>
public static class AdminUsersApi
{
    public static IEndpointRouteBuilder MapAdminUsers(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup(AdminSetup.ApiPrefix + "/users/{userId}").RequireAuthorization(AdminSetup.CookiePolicy).AddEndpointFilter(Shared.SameOrigin.ChangesOnly);
        admin.MapGet("/sessions", async Task<Results<Ok<IEnumerable<SessionView>>, ProblemHttpResult>> (string userId,
            SessionStore sessions, UserManager<ApplicationUser> users) =>
            await users.FindByIdAsync(userId) is null ? UnknownUser() : await ListAsync(userId, currentSid: null, sessions));
        admin.MapDelete("/sessions/{sid}", (string userId, string sid, SessionStore sessions, Revoker revoker) =>
            EndAsync(userId, sid, sessions, revoker, RevocationCause.Admin));
        admin.MapDelete("/sessions", async Task<Results<NoContent, ProblemHttpResult>> (string userId, Revoker revoker,
            UserManager<ApplicationUser> users) =>
            await users.FindByIdAsync(userId) is null ? UnknownUser() : await EndAllAsync(userId, revoker, RevocationCause.Admin));
        admin.MapPost("/lock", (string userId, UserManager<ApplicationUser> users) => Guarded<NoContent>(async () =>
            await users.FindByIdAsync(userId) is { } user
                ? Outcome(await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue))
                : UnknownUser()));
        admin.MapDelete("/", (string userId, UserManager<ApplicationUser> users) => Guarded<NoContent>(async () =>
            await users.FindByIdAsync(userId) is { } user ? Outcome(await users.DeleteAsync(user)) : UnknownUser()));
        return endpoints;
    }

    private static Results<NoContent, ProblemHttpResult> Outcome(IdentityResult result) => result.Succeeded
        ? TypedResults.NoContent()
        : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
            detail: string.Join(" ", result.Errors.Select(error => error.Description)));

    private static ProblemHttpResult UnknownUser() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "There is no such user.");
}
