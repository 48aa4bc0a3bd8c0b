namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>The "Messages:Webhook" section, read only when a channel uses the webhook provider.</summary>
public sealed class WebhookSettings
{
    public const string Section = "Messages:Webhook";

    /// <summary>
    /// Where each message is POSTed as JSON. https, or http to a loopback address (a gateway's sidecar); plain http
    /// elsewhere only in Development: the messages carry codes and reset links, and the request the bearer token.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>Optional: sent as "Authorization: Bearer {Token}". A secret: keep it out of appsettings.json.</summary>
    public string? Token { get; set; }

    /// <summary>How long to wait for the gateway's answer; past it the send fails and the consumer retries.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    internal IEnumerable<string> Errors(bool development)
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            yield return $"{Section}:{nameof(Url)} must be an absolute http(s) URL when a channel uses the {MessageProviderNames.Webhook} provider.";
        }
        else if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback && !development)
        {
            yield return $"{Section}:{nameof(Url)} must use https (plain http only to a loopback address): messages carry codes and links.";
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(Timeout)} must be positive.";
        }
    }
}
