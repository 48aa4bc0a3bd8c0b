using MimeKit;

namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>How the connection to the SMTP server is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain connection upgraded with STARTTLS, which the server must offer (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,

    /// <summary>No TLS: only for a relay on the same host or network (e.g. a local mail catcher), never with a password.</summary>
    None,
}

/// <summary>The "Messages:Smtp" section, read only when email uses the smtp provider.</summary>
public sealed class SmtpSettings
{
    public const string Section = "Messages:Smtp";

    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>
    /// StartTls, SslOnConnect or None. No "when available": a server that stops offering STARTTLS must fail the
    /// send, not silently get the mail in clear.
    /// </summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Optional: the account to authenticate as; with <see cref="Password"/>.</summary>
    public string? User { get; set; }

    /// <summary>A secret: keep it out of appsettings.json (environment variable or user secrets).</summary>
    public string? Password { get; set; }

    /// <summary>The sender's address; its domain also names the messages' Message-Id.</summary>
    public string? FromAddress { get; set; }

    public string FromName { get; set; } = "RedisJwt";

    /// <summary>For each network operation (connect, each command), as MailKit counts it.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal IEnumerable<string> Errors()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return $"{Section}:{nameof(Host)} is required when email uses the {MessageProviderNames.Smtp} provider.";
        }

        if (Port is < 1 or > 65535)
        {
            yield return $"{Section}:{nameof(Port)} must be between 1 and 65535.";
        }

        if (!MailboxAddress.TryParse(FromAddress, out var from) || from.Domain.Length == 0)
        {
            yield return $"{Section}:{nameof(FromAddress)} must be an email address (user@domain).";
        }

        if (string.IsNullOrEmpty(User) != string.IsNullOrEmpty(Password))
        {
            yield return $"{Section}:{nameof(User)} and {Section}:{nameof(Password)} go together: set both or neither.";
        }
        else if (!string.IsNullOrEmpty(User) && Security == SmtpSecurity.None)
        {
            yield return $"{Section}:{nameof(Security)} is None, which would send {Section}:{nameof(Password)} in clear: use StartTls or SslOnConnect.";
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(Timeout)} must be positive.";
        }
    }
}
