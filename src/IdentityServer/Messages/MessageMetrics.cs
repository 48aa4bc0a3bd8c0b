using System.Diagnostics.Metrics;
using System.Globalization;
using RedisJwt.IdentityServer.Telemetry;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// The message queue's instruments, on the IdentityServer's meter. Labels are the topic and the message kind (or the
/// deferral's reason): a few fixed values each, never the recipient.
/// </summary>
public sealed class MessageMetrics
{
    // From an answer at once to a message retried for an hour.
    private static readonly double[] LatencyBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _deferred;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _latency;

    public MessageMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(AuthEvents.MeterName);
        _sent = meter.CreateCounter<long>("redisjwt.messages.sent", unit: "{message}",
            description: "Messages a provider accepted, by topic and kind.");
        _failed = meter.CreateCounter<long>("redisjwt.messages.failed", unit: "{attempt}",
            description: "Send attempts that failed (error, timeout or refusal), by topic and kind.");
        _deferred = meter.CreateCounter<long>("redisjwt.messages.deferred", unit: "{message}",
            description: "Messages put back for a moment, their recipient at its concurrency cap or out of its per-minute permits, by topic and reason.");
        _deadLettered = meter.CreateCounter<long>("redisjwt.messages.dead_lettered", unit: "{message}",
            description: "Messages moved to their topic's dead letters, by topic and kind.");
        _latency = meter.CreateHistogram("redisjwt.messages.delivery_latency", unit: "s",
            description: "From a message's creation to its provider's acceptance, retries and deferrals included, by topic and kind.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
    }

    public void Sent(string topic, string kind, string messageId, DateTimeOffset now)
    {
        _sent.Add(1, Tag("topic", topic), Tag("kind", kind));
        if (CreatedAt(messageId) is { } created)
        {
            _latency.Record(Math.Max(0, (now - created).TotalSeconds), Tag("topic", topic), Tag("kind", kind));
        }
    }

    public void Failed(string topic, string kind) => _failed.Add(1, Tag("topic", topic), Tag("kind", kind));

    /// <param name="reason"><c>concurrency</c> or <c>rate</c>.</param>
    public void Deferred(string topic, string reason) => _deferred.Add(1, Tag("topic", topic), Tag("reason", reason));

    /// <param name="kind">Null for an entry that is not a message: counted as <c>unknown</c>.</param>
    public void DeadLettered(string topic, string? kind) => _deadLettered.Add(1, Tag("topic", topic), Tag("kind", kind ?? "unknown"));

    /// <summary>A message id is a UUIDv7 in "N" format: its first 48 bits are the Unix time in ms (RFC 9562 §5.7).</summary>
    internal static DateTimeOffset? CreatedAt(string messageId) =>
        messageId.Length == 32 && long.TryParse(messageId.AsSpan(0, 12), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);
}
