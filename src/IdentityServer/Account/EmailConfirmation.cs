using Microsoft.AspNetCore.Identity;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Account;

/// <summary>Confirmation of a user's email address: the link sent at registration (and again on request), and its use.</summary>
public sealed class EmailConfirmation(UserManager<ApplicationUser> users, AccountMessages messages, AccountMail mail)
{
    /// <summary>The same answer, whether the account exists or not; repeats within the dedup lock time send nothing.</summary>
    public const string ResentMessage =
        "If an account with this email exists and is not yet confirmed, we've sent a new confirmation link. " +
        "Another request within a minute or so sends nothing more: check your inbox first.";

    /// <summary>Right after registration: the new user knows the account exists, so this waits for the queue.</summary>
    public async Task SendAsync(ApplicationUser user) =>
        await mail.TrySendAsync(messages.EmailVerification(user, await users.GenerateEmailConfirmationTokenAsync(user)));

    /// <summary>Costs a lookup whoever asks; the sending happens off the request (see <see cref="AccountMail.SendInBackground"/>).</summary>
    public async Task ResendAsync(string email)
    {
        if (await users.FindByEmailAsync(email) is { EmailConfirmed: false } user)
        {
            mail.SendInBackground(messages.EmailVerification(user, await users.GenerateEmailConfirmationTokenAsync(user)));
        }
    }

    /// <returns>False for an unknown user, a malformed, forged or expired code.</returns>
    public async Task<bool> ConfirmAsync(string? userId, string? code)
    {
        if (string.IsNullOrEmpty(userId) || userId.Length > 128 || AccountMessages.DecodeToken(code) is not { } token
            || await users.FindByIdAsync(userId) is not { } user)
        {
            return false;
        }

        return user.EmailConfirmed || (await users.ConfirmEmailAsync(user, token)).Succeeded;
    }
}
