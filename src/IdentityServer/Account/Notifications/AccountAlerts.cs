using Microsoft.AspNetCore.Identity;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Account.Notifications;

/// <summary>
/// Security alerts to the account's owner: a sign-in from a new device, a password change, a refresh token replayed.
/// None of them ever fails or undoes the action it reports: failures are logged and the action goes on.
/// </summary>
public sealed class AccountAlerts(KnownDevices devices, AccountMessages messages, AccountMail mail,
    UserManager<ApplicationUser> users, TimeProvider clock, ILogger<AccountAlerts> logger)
{
    /// <summary>After a sign-in succeeded: remembers the device, and alerts when it is new to a known account.</summary>
    public async Task SignedInAsync(ApplicationUser user, HttpContext http)
    {
        try
        {
            if (await devices.RememberAsync(user.Id, http))
            {
                var device = DeviceNames.Describe(http.Request.Headers.UserAgent.ToString());
                var address = http.Connection.RemoteIpAddress is { } ip ? $" from {ip}" : "";
                await mail.TrySendAsync(messages.NewSignIn(user, device + address, clock.GetUtcNow()));
            }
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Known devices of user {UserId} could not be checked; no new-device alert.", user.Id);
        }
    }

    public Task PasswordChangedAsync(ApplicationUser user) => mail.TrySendAsync(messages.PasswordChanged(user));

    public Task SecondFactorAddedAsync(ApplicationUser user, string factor) => mail.TrySendAsync(messages.SecondFactorAdded(user, factor));

    public Task SecondFactorRemovedAsync(ApplicationUser user, string factor) => mail.TrySendAsync(messages.SecondFactorRemoved(user, factor));

    public Task MultiFactorTurnedOffAsync(ApplicationUser user) => mail.TrySendAsync(messages.MultiFactorTurnedOff(user));

    public Task RecoveryCodeUsedAsync(ApplicationUser user, int codesLeft) => mail.TrySendAsync(messages.RecoveryCodeUsed(user, codesLeft));

    public Task RecoveryCodesReplacedAsync(ApplicationUser user) => mail.TrySendAsync(messages.RecoveryCodesReplaced(user));

    /// <summary>From the reuse detection, after the family was revoked; never throws, so the refusal stands.</summary>
    public async Task RefreshTokenReusedAsync(string? userId, string? clientId)
    {
        try
        {
            if (userId is not null && await users.FindByIdAsync(userId) is { Email: not null } user)
            {
                await mail.TrySendAsync(messages.RefreshTokenReuse(user, clientId));
            }
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "The refresh-token reuse alert for user {UserId} could not be sent.", userId);
        }
    }
}
