using System.ComponentModel.DataAnnotations;

namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>The provider names a channel can be given in Messages:Providers.</summary>
public static class MessageProviderNames
{
    /// <summary>Writes each message to a folder instead of sending it: development, the demo and tests.</summary>
    public const string Folder = "folder";

    /// <summary>Email through an SMTP server (MailKit).</summary>
    public const string Smtp = "smtp";

    /// <summary>A JSON POST to Messages:Webhook:Url, as SMS and KakaoTalk-style gateways take.</summary>
    public const string Webhook = "webhook";
}

/// <summary>
/// The "Messages:Providers" section: which provider sends each channel. Development defaults every channel to the
/// folder; elsewhere each must be chosen, so that a deployment never writes codes to disk instead of sending them
/// without having said so.
/// </summary>
public sealed class MessageProviderSettings : IValidatableObject
{
    public const string Section = "Messages:Providers";

    /// <summary>The providers each channel may use: an SMS cannot go through SMTP.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        [MessageChannels.Email] = [MessageProviderNames.Folder, MessageProviderNames.Smtp, MessageProviderNames.Webhook],
        [MessageChannels.Sms] = [MessageProviderNames.Folder, MessageProviderNames.Webhook],
    };

    /// <summary>folder, smtp or webhook.</summary>
    public string? Email { get; set; }

    /// <summary>folder or webhook.</summary>
    public string? Sms { get; set; }

    /// <summary>The provider chosen for <paramref name="channel"/>, lower case; null when none is.</summary>
    public string? For(string channel) => channel switch
    {
        MessageChannels.Email => Normalize(Email),
        MessageChannels.Sms => Normalize(Sms),
        _ => null,
    };

    public bool Uses(string provider) => Allowed.Keys.Any(channel => For(channel) == provider);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (channel, allowed) in Allowed)
        {
            var setting = $"{Section}:{Setting(channel)}";
            var chosen = For(channel);
            if (chosen is null)
            {
                yield return new ValidationResult(
                    $"{setting} is not set: choose {string.Join(", ", allowed)} (only Development defaults to {MessageProviderNames.Folder}).",
                    [Setting(channel)]);
            }
            else if (!allowed.Contains(chosen))
            {
                yield return new ValidationResult(
                    $"{setting} is '{chosen}', which is not a provider of this channel: choose {string.Join(", ", allowed)}.",
                    [Setting(channel)]);
            }
        }
    }

    /// <summary>The property, and so the setting name, of <paramref name="channel"/>: "email" is Email.</summary>
    public static string Setting(string channel) => channel switch
    {
        MessageChannels.Email => nameof(Email),
        MessageChannels.Sms => nameof(Sms),
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Not a message channel."),
    };

    private static string? Normalize(string? provider) =>
        string.IsNullOrWhiteSpace(provider) ? null : provider.Trim().ToLowerInvariant();
}
