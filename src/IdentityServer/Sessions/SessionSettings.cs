using System.ComponentModel.DataAnnotations;

namespace RedisJwt.IdentityServer.Sessions;

/// <summary>
/// The "Sessions" section: how long a login session may last. Past either limit the session is over: its cookie stops
/// working and its refresh tokens are refused with invalid_grant, so the user signs in again (like Keycloak's SSO
/// Session Idle and SSO Session Max; the defaults are Auth0's).
/// </summary>
public sealed class SessionSettings : IValidatableObject
{
    public const string Section = "Sessions";

    /// <summary>From the sign-in, however much the session is used: a stolen session cannot be kept alive forever.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Since the session was last used (a token issued in it, or its cookie on one of this server's pages).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromDays(3);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AbsoluteLifetime <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Sessions:AbsoluteLifetime must be positive.", [nameof(AbsoluteLifetime)]);
        }

        if (IdleTimeout <= TimeSpan.Zero || IdleTimeout > AbsoluteLifetime)
        {
            yield return new ValidationResult("Sessions:IdleTimeout must be positive and at most Sessions:AbsoluteLifetime.", [nameof(IdleTimeout)]);
        }
    }
}
