namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>
/// A provider did not accept a message; the consumer retries it. The message names what failed (a status code, a
/// timeout, the SMTP step) and never carries the message's text or the gateway's answer body, since it is logged
/// and kept as the dead-letter reason.
/// </summary>
public sealed class MessageNotAcceptedException : Exception
{
    public MessageNotAcceptedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
