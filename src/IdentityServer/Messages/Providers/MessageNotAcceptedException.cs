namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>
/// A provider did not accept a message; the consumer retries it. The message names what failed (a status code, a
/// timeout, the SMTP step) and never carries the message's text or the gateway's answer body, since it is logged
/// and kept as the dead-letter reason.
/// </summary>
public sealed class MessageNotAcceptedException : Exception
{
    public MessageNotAcceptedException(string message, Exception? innerException = null, bool permanent = false)
        : base(message, innerException) => Permanent = permanent;

    /// <summary>
    /// The provider refused this message for good (a webhook's 4xx, an SMTP 5xx, an address it cannot take): sending
    /// it again cannot succeed, so it goes to the dead letters at once instead of being retried.
    /// </summary>
    public bool Permanent { get; }
}
