using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using RedisJwt.IdentityServer.Account.EmailVerification;
using RedisJwt.IdentityServer.Account.PasswordRecovery;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.ServiceDefaults.Hosting;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.AuthApi;

/// <summary>
/// The anonymous account email endpoints: a new confirmation link, a password reset link and the reset itself. The
/// requests answer 202 with the same text whether or not the account exists; the emails hold the links.
/// </summary>
public static class AccountEmailEndpoints
{
    private const long MaxBodyBytes = 16 * 1024;

    public static RouteGroupBuilder MapAccountEmails(this RouteGroupBuilder auth)
    {
        var emails = auth.MapGroup("").RequireRateLimit(IdentityRateLimits.AccountEmailsPerIp, IdentityRateLimits.ClientIp);
        emails.MapPost("/email/resend", (HttpRequest request, EmailConfirmation confirmation) =>
            AcceptedAsync(request, confirmation.ResendAsync, EmailConfirmation.ResentMessage));
        emails.MapPost("/password/forgot", (HttpRequest request, PasswordReset reset) =>
            AcceptedAsync(request, reset.RequestAsync, PasswordReset.RequestedMessage));
        emails.MapPost("/password/reset", ResetAsync);
        return auth;
    }

    public sealed class EmailRequest
    {
        [Required, EmailAddress, StringLength(256)]
        public string? Email { get; set; }
    }

    public sealed record Answer(string Message);

    private static async Task<Results<Accepted<Answer>, ValidationProblem, JsonBodyProblem>> AcceptedAsync(HttpRequest request, Func<string, Task> send, string message)
    {
        var (input, problem) = await JsonBody.ReadAsync<EmailRequest>(request, MaxBodyBytes);
        if (input is null)
        {
            return problem!;
        }

        if (JsonFields.Validate(input) is { } invalid)
        {
            return invalid;
        }

        await send(input.Email!);
        return TypedResults.Accepted((string?)null, new Answer(message));
    }

    public sealed class ResetRequest
    {
        [Required, StringLength(128)]
        public string? UserId { get; set; }

        [Required, StringLength(4096)]
        public string? Code { get; set; }

        [Required, StringLength(256, MinimumLength = 8)]
        public string? NewPassword { get; set; }
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult, Unavailable.RetryAfterProblem, JsonBodyProblem>> ResetAsync(HttpRequest request, PasswordReset reset)
    {
        var (input, problem) = await JsonBody.ReadAsync<ResetRequest>(request, MaxBodyBytes);
        if (input is null)
        {
            return problem!;
        }

        if (JsonFields.Validate(input) is { } invalid)
        {
            return invalid;
        }

        var outcome = await reset.ResetAsync(input.UserId, input.Code, input.NewPassword!);
        return outcome.Status switch
        {
            PasswordReset.Status.Succeeded => TypedResults.NoContent(),
            PasswordReset.Status.InvalidLink => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid reset link", detail: PasswordReset.InvalidLinkMessage),
            PasswordReset.Status.Unavailable => Unavailable.Problem("The password cannot be reset right now; retry shortly."),
            _ => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["newPassword"] = [.. outcome.PasswordErrors] }),
        };
    }
}
