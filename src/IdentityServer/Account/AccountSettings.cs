namespace RedisJwt.IdentityServer.Account;

/// <summary>The Accounts section: email verification, password reset and sign-in alerts.</summary>
public sealed class AccountSettings
{
    public const string Section = "Accounts";

    /// <summary>
    /// Refuse sign-in (login page, password grant, /auth/login) until the email address is confirmed. On by default;
    /// Development turns it off (appsettings.Development.json) so the demo needs no inbox.
    /// </summary>
    public bool RequireConfirmedEmail { get; set; } = true;

    /// <summary>
    /// How long a password reset link works. Identity's default token provider, so it also bounds its other
    /// default tokens (e.g. an email change); email confirmation has its own provider and lifetime.
    /// </summary>
    public TimeSpan PasswordResetTokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long an email confirmation link works: longer, as it grants nothing but the confirmation.</summary>
    public TimeSpan EmailConfirmationTokenLifetime { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long a device (user agent and client network) stays known without a sign-in from it.</summary>
    public TimeSpan KnownDeviceLifetime { get; set; } = TimeSpan.FromDays(180);
}
