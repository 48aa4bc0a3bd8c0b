namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>A message as a consumer hands it to a provider; <see cref="Id"/> is stable across retries.</summary>
public sealed record DeliveredMessage(string Id, string Topic, string Kind, string Channel, string Recipient,
    string Subject, string Text, int Attempt);

/// <summary>
/// Sends messages of one channel (email, sms). Returning means the provider accepted the message; throwing means it
/// did not, and the consumer retries. A provider may see the same <see cref="DeliveredMessage.Id"/> twice (a
/// consumer crashed after sending, before acknowledging); it can use it to deduplicate.
/// </summary>
public interface IMessageProvider
{
    Task SendAsync(DeliveredMessage message, CancellationToken cancellationToken);
}
