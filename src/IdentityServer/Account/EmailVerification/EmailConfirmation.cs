using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Sessions;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Account.EmailVerification;

/// <summary>
/// Confirmation of a user's email address: the link sent at registration (and again on request), and its use. The link
/// alone confirms nothing: whoever registered an address that is not theirs would otherwise get it marked verified by
/// its owner's click, and every app that trusts email_verified would take their account for the owner's. Confirming
/// is proving control of the account as well (signed in as it, or its password), and then every other session of the
/// account ends and its security stamp changes: if someone else had registered the address, they are out.
/// </summary>
public sealed class EmailConfirmation(ApplicationUserManager users, AccountMessages messages, AccountMail mail,
    CredentialCheck credentials)
{
    /// <summary>The same answer, whether the account exists or not; repeats within the dedup lock time send nothing.</summary>
    public const string ResentMessage =
        "If an account with this email exists and is not yet confirmed, we've sent a new confirmation link. " +
        "Another request within a minute or so sends nothing more: check your inbox first.";

    public enum Status { Confirmed, AlreadyConfirmed, InvalidLink, WrongPassword, Unavailable }

    /// <summary>A link's account, when the link is one this server made for it and has not expired.</summary>
    public sealed record Link(ApplicationUser User, string Token);

    /// <summary>Queued off the request, like every email whose timing could tell that an account exists.</summary>
    public async Task SendInBackgroundAsync(ApplicationUser user) =>
        mail.SendInBackground(messages.EmailVerification(user, await users.GenerateEmailConfirmationTokenAsync(user)));

    /// <summary>Costs a lookup whoever asks; the sending happens off the request (see <see cref="AccountMail.SendInBackground"/>).</summary>
    public async Task ResendAsync(string email)
    {
        if (await users.FindByEmailAsync(email) is { EmailConfirmed: false } user)
        {
            await SendInBackgroundAsync(user);
        }
    }

    /// <returns>
    /// Null for an unknown user, a malformed, forged, expired or spent code (confirming changes the security stamp the
    /// code is bound to), whether or not the address is confirmed: the page tells nothing about an account to anyone
    /// without its link. Spends nothing.
    /// </returns>
    public async Task<Link?> CheckAsync(string? userId, string? code)
    {
        if (string.IsNullOrEmpty(userId) || userId.Length > 128 || AccountMessages.DecodeToken(code) is not { } token
            || await users.FindByIdAsync(userId) is not { } user)
        {
            return null;
        }

        return await users.VerifyUserTokenAsync(user, users.Options.Tokens.EmailConfirmationTokenProvider,
            UserManager<ApplicationUser>.ConfirmEmailTokenPurpose, token)
            ? new Link(user, token)
            : null;
    }

    /// <param name="caller">Who is signed in here; confirming as the account's own session needs no password.</param>
    /// <param name="password">The account's password, when <paramref name="caller"/> is not signed in as it.</param>
    public async Task<Status> ConfirmAsync(string? userId, string? code, ClaimsPrincipal caller, string? password)
    {
        if (await CheckAsync(userId, code) is not { } link)
        {
            return Status.InvalidLink;
        }

        var user = link.User;
        if (user.EmailConfirmed)
        {
            return Status.AlreadyConfirmed;
        }

        var ownSession = users.GetUserId(caller) == user.Id ? caller.GetSessionId() : null;
        if (ownSession is null && (string.IsNullOrEmpty(password) || !await credentials.VerifyPasswordAsync(user, password)))
        {
            return Status.WrongPassword;
        }

        try
        {
            var confirmed = await users.ConfirmEmailEndingSessionsAsync(user, link.Token, ownSession);
            return confirmed.Succeeded ? Status.Confirmed
                : confirmed.Errors.Any(error => error.Code == ApplicationUserManager.ProfileCacheUnavailableCode) ? Status.Unavailable
                : Status.InvalidLink;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return Status.Unavailable;
        }
    }
}
