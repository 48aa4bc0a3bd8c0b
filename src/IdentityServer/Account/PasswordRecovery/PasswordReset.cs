using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Data;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Account.PasswordRecovery;

/// <summary>
/// Password reset by email link. The token is Identity's, bound to the security stamp, which the reset changes: it
/// works once, and not after any other password change either; it expires after Accounts:PasswordResetTokenLifetime.
/// The reset ends every session of the user (<see cref="ApplicationUserManager.ResetPasswordAsync"/>), and, since the
/// link came to the account's address, confirms that address: the way for an address's owner to take back an account
/// someone else registered with it.
/// </summary>
public sealed class PasswordReset(UserManager<ApplicationUser> users, AccountMessages messages, AccountMail mail,
    IOptions<AccountSettings> settings, ILogger<PasswordReset> logger)
{
    public const string RequestedMessage =
        "If an account with this email exists, we've sent it a link to reset the password. " +
        "Another request within a minute or so sends nothing more: check your inbox first.";

    public const string InvalidLinkMessage = "This reset link is invalid, was already used or has expired. Request a new one.";

    public enum Status { Succeeded, InvalidLink, PasswordRejected, Unavailable }

    public sealed record Outcome(Status Status, IReadOnlyList<string> PasswordErrors);

    /// <summary>
    /// Costs a lookup whoever asks: the token (a few microseconds) is made in the request, the queueing happens off it,
    /// so neither the answer nor its timing tells whether the account exists.
    /// </summary>
    public async Task RequestAsync(string email)
    {
        if (await users.FindByEmailAsync(email) is { } user)
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            mail.SendInBackground(messages.PasswordReset(user, token, settings.Value.PasswordResetTokenLifetime));
        }
    }

    public async Task<Outcome> ResetAsync(string? userId, string? code, string newPassword)
    {
        if (string.IsNullOrEmpty(userId) || userId.Length > 128 || AccountMessages.DecodeToken(code) is not { } token
            || await users.FindByIdAsync(userId) is not { } user)
        {
            return new(Status.InvalidLink, []);
        }

        IdentityResult result;
        try
        {
            result = await users.ResetPasswordAsync(user, token, newPassword);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Either nothing changed, or the password did and the sessions may live on: the user should retry with
            // a new link (this one is spent if the password changed) or sign in and end them.
            logger.LogError(exception, "Password reset of user {UserId}: Redis unavailable.", user.Id);
            return new(Status.Unavailable, []);
        }

        if (result.Succeeded)
        {
            if (!user.EmailConfirmed)
            {
                user.EmailConfirmed = true;
                if (await users.UpdateAsync(user) is { Succeeded: false } unconfirmed)
                {
                    // The password is reset and every session ended; only the confirmation is missing (the user can
                    // ask for a confirmation link).
                    logger.LogError("Password reset of user {UserId}: the address could not be marked confirmed ({Errors}).",
                        user.Id, string.Join(", ", unconfirmed.Errors.Select(error => error.Code)));
                }
            }

            return new(Status.Succeeded, []);
        }

        if (result.Errors.Any(error => error.Code == nameof(IdentityErrorDescriber.InvalidToken)))
        {
            return new(Status.InvalidLink, []);
        }

        return result.Errors.Any(error => error.Code == ApplicationUserManager.ProfileCacheUnavailableCode)
            ? new(Status.Unavailable, [])
            : new(Status.PasswordRejected, [.. result.Errors.Select(error => error.Description)]);
    }
}
