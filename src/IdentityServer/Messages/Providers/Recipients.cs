namespace RedisJwt.IdentityServer.Messages.Providers;

public static class Recipients
{
    /// <summary>
    /// A recipient as logs may show it: enough to tell two apart when following one message, not enough to read an
    /// address book out of the logs. "alice@example.com" is "a***@example.com", "+821012345678" is "***5678".
    /// </summary>
    public static string Mask(string? recipient)
    {
        if (string.IsNullOrEmpty(recipient))
        {
            return "";
        }

        var at = recipient.LastIndexOf('@');
        if (at > 0)
        {
            return $"{recipient[0]}***{recipient[at..]}";
        }

        return recipient.Length > 6 ? $"***{recipient[^4..]}" : "***";
    }
}
