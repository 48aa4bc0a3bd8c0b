using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Account;

/// <summary>What a new account needs, with its rules, for the registration page and POST /auth/register alike.</summary>
public class RegistrationFields
{
    [Required, EmailAddress, StringLength(256)]
    public string? Email { get; set; }

    [Required, DataType(DataType.Password), StringLength(256, MinimumLength = 8)]
    public string? Password { get; set; }

    [Required, StringLength(ApplicationUser.DisplayNameMaxLength, MinimumLength = 1)]
    [RegularExpression(DisplayNamePattern, ErrorMessage = DisplayNameMessage)]
    [Display(Name = "Display name")]
    public string? DisplayName { get; set; }

    // OIDC's claim name (Core 5.1), in the JSON API too.
    [Required, DataType(DataType.Date), Display(Name = "Date of birth")]
    [JsonPropertyName("birthdate")]
    public DateOnly? BirthDate { get; set; }

    /// <summary>Visible characters, no control characters (which could forge lines in logs or UIs).</summary>
    public const string DisplayNamePattern = @"^[^\p{C}]*[^\p{C}\s][^\p{C}]*$";

    public const string DisplayNameMessage = "The display name must contain visible characters and no control characters.";
}

/// <summary>
/// Creates accounts: the rules beyond the field attributes, and Identity's (password strength, unique email); then
/// sends the email confirmation link.
/// </summary>
public sealed class Registration(UserManager<ApplicationUser> users, EmailConfirmation confirmation, TimeProvider time)
{
    public sealed record Outcome(ApplicationUser? User, IReadOnlyDictionary<string, string[]> Errors, bool DuplicateEmail);

    /// <summary>Field errors are keyed by <see cref="RegistrationFields"/> property name.</summary>
    public async Task<Outcome> RegisterAsync(RegistrationFields input)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string error) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(error);

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(input, new ValidationContext(input), results, validateAllProperties: true);
        foreach (var result in results)
        {
            Add(result.MemberNames.FirstOrDefault() ?? "", result.ErrorMessage ?? "Invalid.");
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (input.BirthDate is { } birthDate && (birthDate >= today || birthDate < today.AddYears(-130)))
        {
            Add(nameof(input.BirthDate), "Enter your real date of birth.");
        }

        if (errors.Count > 0)
        {
            return Failed(errors, duplicateEmail: false);
        }

        var user = new ApplicationUser
        {
            UserName = input.Email,
            Email = input.Email,
            DisplayName = input.DisplayName!.Trim(),
            BirthDate = input.BirthDate,
        };

        IdentityResult created;
        try
        {
            created = await users.CreateAsync(user, input.Password!);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // The same email registered at the same moment: Identity's check passed for both, the unique index
            // stopped the second.
            return Failed(new Dictionary<string, List<string>> { [nameof(input.Email)] = ["This email is already registered."] },
                duplicateEmail: true);
        }

        if (created.Succeeded)
        {
            // The account stands even if the email cannot be queued now: the user can ask for it again.
            await confirmation.SendAsync(user);
            return new Outcome(user, new Dictionary<string, string[]>(), DuplicateEmail: false);
        }

        // The user name is the email, so either duplicate means the email is taken.
        var duplicate = created.Errors.Any(error => error.Code is "DuplicateEmail" or "DuplicateUserName");
        foreach (var error in created.Errors.DistinctBy(error => error.Code is "DuplicateEmail" or "DuplicateUserName" ? "Duplicate" : error.Code))
        {
            Add(error.Code.Contains("Password", StringComparison.Ordinal) ? nameof(input.Password) : nameof(input.Email), error.Description);
        }

        return Failed(errors, duplicate);
    }

    private static Outcome Failed(Dictionary<string, List<string>> errors, bool duplicateEmail) =>
        new(null, errors.ToDictionary(entry => entry.Key, entry => entry.Value.ToArray()), duplicateEmail);
}
