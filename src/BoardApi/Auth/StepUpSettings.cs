using System.ComponentModel.DataAnnotations;

namespace RedisJwt.BoardApi.Auth;

/// <summary>The "StepUp" section: how recent a multi-factor sign-in must be for actions that demand one (RFC 9470).</summary>
public sealed class StepUpSettings : IValidatableObject
{
    public const string Section = "StepUp";

    /// <summary>
    /// The oldest <c>auth_time</c> accepted for such an action; also the <c>max_age</c> the challenge asks the
    /// client to sign in again with.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Whole seconds: max_age is a number of seconds (OIDC Core 3.1.2.1), and the check must match what is asked.
        if (MaxAge < TimeSpan.FromSeconds(1) || MaxAge > TimeSpan.FromDays(1) || MaxAge.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return new ValidationResult("StepUp:MaxAge must be whole seconds between 00:00:01 and 1.00:00:00.", [nameof(MaxAge)]);
        }
    }
}
