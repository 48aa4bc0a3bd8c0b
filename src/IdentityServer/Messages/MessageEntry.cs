using System.Text.Json;
using RedisJwt.IdentityServer.Messages.Providers;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>A message as its stream entry holds it (and as a retry or dead letter carries it on).</summary>
public sealed record MessageEntry(string Id, string Kind, string Channel, string Recipient, string Subject, string Text, int Attempt)
{
    public static MessageEntry New(OutgoingMessage message) => new(Guid.CreateVersion7().ToString("N"), message.Kind,
        message.Channel, message.Recipient, message.Subject, message.Text, Attempt: 1);

    public NameValueEntry[] ToFields() =>
    [
        new("id", Id), new("kind", Kind), new("channel", Channel), new("recipient", Recipient),
        new("subject", Subject), new("text", Text), new("attempt", Attempt),
    ];

    /// <returns>Null for an entry that is not a message (it cannot be sent; the consumer dead-letters it).</returns>
    public static MessageEntry? From(StreamEntry entry)
    {
        string? Field(string name) => entry[name] is { IsNull: false } value ? value.ToString() : null;
        return Field("id") is { } id && Field("kind") is { } kind && Field("channel") is { } channel
            && Field("recipient") is { } recipient && int.TryParse(Field("attempt"), out var attempt)
            ? new MessageEntry(id, kind, channel, recipient, Field("subject") ?? "", Field("text") ?? "", attempt)
            : null;
    }

    /// <param name="text">The text opened (<see cref="MessageSealing"/>): the entry carries it sealed.</param>
    public DeliveredMessage ToDelivered(string topic, string text) => new(Id, topic, Kind, Channel, Recipient, Subject, text, Attempt);

    public string ToJson() => JsonSerializer.Serialize(this);
}
