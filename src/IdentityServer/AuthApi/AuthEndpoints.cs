using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Account;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Account.SignUp;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.TokenRevocation;
using RedisJwt.ServiceDefaults.Hosting;
using RedisJwt.ServiceDefaults.RateLimiting;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.AuthApi;

/// <summary>
/// The JSON account API for first-party apps: registration (and its email endpoints, see
/// <see cref="AccountEmailEndpoints"/>), and the account endpoints for the bearer of an access
/// token with the <c>account</c> scope. (/auth/login and /auth/refresh are the token endpoint itself, see
/// <see cref="AuthTokenRequests"/>.)
/// </summary>
public static class AuthEndpoints
{
    public const string AccountPolicy = "account";

    /// <summary>Every route of the /auth API is under it (see <see cref="Shared.PagesSetup.IsApi"/>).</summary>
    public const string Prefix = "/auth";

    private const long MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder endpoints)
    {
        var auth = endpoints.MapGroup(Prefix);
        auth.MapPost("/register", RegisterAsync)
            .RequireRateLimit(IdentityRateLimits.RegistrationsPerIp, IdentityRateLimits.ClientIp);
        auth.MapAccountEmails();

        var account = auth.MapGroup("").RequireAuthorization(AccountPolicy);
        account.MapPost("/logout", LogoutAsync);
        account.MapGet("/me", GetProfileAsync);
        account.MapPut("/me", UpdateProfileAsync);
        account.MapPost("/password", ChangePasswordAsync);
        return endpoints;
    }

    /// <summary>202 whether the address is new or already has an account: the email says which (no enumeration).</summary>
    private static async Task<Results<Accepted<AccountEmailEndpoints.Answer>, ValidationProblem, JsonBodyProblem>> RegisterAsync(HttpRequest request, Registration registration)
    {
        var (input, problem) = await JsonBody.ReadAsync<RegistrationFields>(request, MaxBodyBytes);
        if (input is null)
        {
            return problem!;
        }

        var outcome = await registration.RegisterAsync(input);
        return outcome.Accepted
            ? TypedResults.Accepted((string?)null, new AccountEmailEndpoints.Answer(Registration.AcceptedMessage))
            : JsonFields.Problem(typeof(RegistrationFields), outcome.Errors);
    }

    private static async Task<Results<NoContent, ProblemHttpResult, Unavailable.RetryAfterProblem>> LogoutAsync(HttpContext context, ClaimsPrincipal caller, Revoker revoker)
    {
        if (caller.GetClaim(Claims.Subject) is not { } userId || caller.GetSessionId() is not { } sid)
        {
            return NotAUserToken();
        }

        try
        {
            // The session's access and refresh tokens die together, at every resource server.
            await revoker.EndSessionAsync(userId, sid, RevocationCause.Logout);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return Unavailable("The session could not be ended");
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AccountProfile>, ProblemHttpResult>> GetProfileAsync(ClaimsPrincipal caller,
        ProfileCache profiles, CancellationToken cancellationToken) =>
        caller.GetClaim(Claims.Subject) is { } userId && await profiles.GetAsync(userId, cancellationToken) is { } profile
            ? TypedResults.Ok(profile)
            : NotAUserToken();

    public sealed class ProfileChange
    {
        [Required, StringLength(ApplicationUser.DisplayNameMaxLength, MinimumLength = 1)]
        [RegularExpression(RegistrationFields.DisplayNamePattern, ErrorMessage = RegistrationFields.DisplayNameMessage)]
        public string? DisplayName { get; set; }
    }

    private static async Task<Results<Ok<AccountProfile>, ValidationProblem, ProblemHttpResult, Unavailable.RetryAfterProblem, JsonBodyProblem>> UpdateProfileAsync(
        HttpRequest request, ClaimsPrincipal caller, UserManager<ApplicationUser> users)
    {
        var (change, problem) = await JsonBody.ReadAsync<ProfileChange>(request, MaxBodyBytes);
        if (change is null)
        {
            return problem!;
        }

        if (JsonFields.Validate(change) is { } invalid)
        {
            return invalid;
        }

        if (caller.GetClaim(Claims.Subject) is not { } userId || await users.FindByIdAsync(userId) is not { } user)
        {
            return NotAUserToken();
        }

        user.DisplayName = change.DisplayName!.Trim();
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            return ProfileCacheUnavailable(updated) ? CannotChange() : NotChanged(updated);
        }

        return TypedResults.Ok(await ProfileCache.ToProfileAsync(users, user));
    }

    public sealed class PasswordChange
    {
        [Required]
        public string? CurrentPassword { get; set; }

        [Required, StringLength(256, MinimumLength = 8)]
        public string? NewPassword { get; set; }
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult, Unavailable.RetryAfterProblem, JsonBodyProblem>> ChangePasswordAsync(
        HttpRequest request, ClaimsPrincipal caller, ApplicationUserManager users, CredentialCheck credentials)
    {
        var (change, problem) = await JsonBody.ReadAsync<PasswordChange>(request, MaxBodyBytes);
        if (change is null)
        {
            return problem!;
        }

        if (JsonFields.Validate(change) is { } invalid)
        {
            return invalid;
        }

        if (caller.GetClaim(Claims.Subject) is not { } userId || caller.GetSessionId() is not { } sid
            || await users.FindByIdAsync(userId) is not { } user)
        {
            return NotAUserToken();
        }

        // Guessing the current password with a stolen token counts towards lockout, like any sign-in.
        if (!await credentials.VerifyPasswordAsync(user, change.CurrentPassword!))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["currentPassword"] = ["The current password is incorrect (or the account is temporarily locked)."],
            });
        }

        IdentityResult changed;
        try
        {
            changed = await users.ChangePasswordKeepingSessionAsync(user, change.CurrentPassword!, change.NewPassword!, sid);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return Unavailable("The other sessions could not be ended, so the password was not changed");
        }

        if (!changed.Succeeded)
        {
            return changed.Errors.Any(error => error.Code.Contains("Password", StringComparison.Ordinal))
                ? TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["newPassword"] = [.. changed.Errors.Select(error => error.Description)],
                })
                : ProfileCacheUnavailable(changed) ? CannotChange() : NotChanged(changed);
        }

        return TypedResults.NoContent();
    }

    private static bool ProfileCacheUnavailable(IdentityResult result) =>
        result.Errors.Any(error => error.Code == ApplicationUserManager.ProfileCacheUnavailableCode);

    private static Unavailable.RetryAfterProblem CannotChange() => Unavailable("The account cannot be changed right now");

    private static ProblemHttpResult NotChanged(IdentityResult result) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Account not changed",
            detail: string.Join(" ", result.Errors.Select(error => error.Description)));

    internal static ProblemHttpResult NotAUserToken() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not a user's token",
            detail: "This endpoint needs an access token issued to a signed-in user (it names no current user or session).");

    private static Unavailable.RetryAfterProblem Unavailable(string what) => RedisJwt.ServiceDefaults.Hosting.Unavailable.Problem($"{what}; retry shortly.");
}
