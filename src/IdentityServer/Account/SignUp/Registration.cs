using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using RedisJwt.IdentityServer.Account.EmailVerification;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Account.SignUp;

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
/// Creates accounts. The answer is the same whether or not the address already has an account (RFC 9700 and OWASP ASVS
/// V2.5: no account enumeration): field errors come from rules that do not depend on existing accounts, and an
/// accepted registration always says "check your email". A new account gets the confirmation link; the owner of an
/// existing one is told by email instead, with the way to sign in or reset the password. Both take about the same work
/// (a password hash), and the emails are queued off the request.
/// </summary>
public sealed class Registration(UserManager<ApplicationUser> users, EmailConfirmation confirmation, AccountMessages messages,
    AccountMail mail, TimeProvider time, ILogger<Registration> logger)
{
    /// <summary>Field errors keyed by <see cref="RegistrationFields"/> property name; none: accepted.</summary>
    public sealed record Outcome(IReadOnlyDictionary<string, string[]> Errors)
    {
        public bool Accepted => Errors.Count == 0;
    }

    public const string AcceptedMessage =
        "Check your email: we've sent a message to this address. If it is new to us, the message holds the link that " +
        "confirms it; if it already has an account, it tells you how to sign in.";

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
            return Failed(errors);
        }

        var user = new ApplicationUser
        {
            UserName = input.Email,
            Email = input.Email,
            DisplayName = input.DisplayName!.Trim(),
            BirthDate = input.BirthDate,
        };

        // Identity's rules, but never "already taken": that answer is the same as for a new address.
        foreach (var error in await IdentityErrorsAsync(user, input.Password!))
        {
            Add(error.Code.Contains("Password", StringComparison.Ordinal) ? nameof(input.Password) : nameof(input.Email), error.Description);
        }

        if (errors.Count > 0)
        {
            return Failed(errors);
        }

        if (await users.FindByEmailAsync(input.Email!) is { } existing)
        {
            // The hash a new account's creation costs, so the timing tells as little as the answer.
            users.PasswordHasher.HashPassword(user, input.Password!);
            mail.SendInBackground(messages.RegistrationAttempt(existing));
            return new Outcome(new Dictionary<string, string[]>());
        }

        try
        {
            if (await users.CreateAsync(user, input.Password!) is { Succeeded: false } failed)
            {
                // The rules passed above: a duplicate, registered a moment ago by another request, is the owner's news.
                if (!failed.Errors.All(error => error.Code is nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName)))
                {
                    logger.LogError("Registration failed: {Errors}.", string.Join(", ", failed.Errors.Select(error => error.Code)));
                }

                await TellOwnerAsync(input.Email!);
                return new Outcome(new Dictionary<string, string[]>());
            }
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // The same email registered at the same moment: Identity's check passed for both, the unique index stopped
            // the second.
            await TellOwnerAsync(input.Email!);
            return new Outcome(new Dictionary<string, string[]>());
        }

        // The account stands even if the email cannot be queued now: the user can ask for it again.
        await confirmation.SendInBackgroundAsync(user);
        return new Outcome(new Dictionary<string, string[]>());
    }

    private async Task<List<IdentityError>> IdentityErrorsAsync(ApplicationUser user, string password)
    {
        var found = new List<IdentityError>();
        foreach (var validator in users.UserValidators)
        {
            found.AddRange((await validator.ValidateAsync(users, user)).Errors);
        }

        foreach (var validator in users.PasswordValidators)
        {
            found.AddRange((await validator.ValidateAsync(users, user, password)).Errors);
        }

        return [.. found.Where(error => error.Code is not (nameof(IdentityErrorDescriber.DuplicateEmail) or nameof(IdentityErrorDescriber.DuplicateUserName)))];
    }

    private async Task TellOwnerAsync(string email)
    {
        if (await users.FindByEmailAsync(email) is { } owner)
        {
            mail.SendInBackground(messages.RegistrationAttempt(owner));
        }
    }

    private static Outcome Failed(Dictionary<string, List<string>> errors) =>
        new(errors.ToDictionary(entry => entry.Key, entry => entry.Value.ToArray()));
}
