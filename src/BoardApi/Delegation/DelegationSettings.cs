using System.ComponentModel.DataAnnotations;

namespace RedisJwt.BoardApi.Delegation;

/// <summary>
/// The "Delegation" section: the notifications API BoardApi calls on behalf of its caller (RFC 8693 token exchange),
/// as the IdentityServer client Auth:ClientId with Auth:ClientSecret. Without <see cref="NotificationsApi"/>, off.
/// </summary>
public sealed class DelegationSettings : IValidatableObject
{
    public const string Section = "Delegation";

    /// <summary>The notifications API's base URL; unset, GET /me/notifications is not served.</summary>
    public Uri? NotificationsApi { get; set; }

    /// <summary>Its resource identifier (RFC 8707): the audience of the exchanged token, on board-api's token_exchange_audiences.</summary>
    public string NotificationsResource { get; set; } = "";

    /// <summary>The scope asked for: of the notifications API, and granted by the caller's token.</summary>
    public string Scope { get; set; } = "notifications.read";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (NotificationsApi is { IsAbsoluteUri: false })
        {
            yield return new ValidationResult("Delegation:NotificationsApi must be an absolute URL.", [nameof(NotificationsApi)]);
        }

        if (NotificationsApi is not null && !Uri.IsWellFormedUriString(NotificationsResource, UriKind.Absolute))
        {
            yield return new ValidationResult("Delegation:NotificationsResource is required with Delegation:NotificationsApi: the "
                + "notifications API's resource identifier (its Seed:ApiScopes resource at the IdentityServer).", [nameof(NotificationsResource)]);
        }
    }
}
