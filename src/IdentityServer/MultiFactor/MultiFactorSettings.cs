using System.ComponentModel.DataAnnotations;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>Section <c>MultiFactor</c>: who must sign in with a second factor, whatever the client asks.</summary>
public sealed class MultiFactorSettings : IValidatableObject
{
    public const string Section = "MultiFactor";

    /// <summary>
    /// Roles whose members must sign in with a second factor (e.g. <c>["admin"]</c>); one without a factor is taken
    /// through enrolment after the password. Empty by default.
    /// </summary>
    public string[] RequiredRoles { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // An empty entry would look like a policy and require nothing.
        if (RequiredRoles.Any(string.IsNullOrWhiteSpace))
        {
            yield return new($"{Section}:RequiredRoles has an empty entry; name a role (e.g. admin) or remove it.");
        }
    }
}
