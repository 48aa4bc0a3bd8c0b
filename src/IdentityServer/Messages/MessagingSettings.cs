using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// One topic: a stream of its own, with its own consumer group and per-minute send limit. A segment's topic is a
/// routing target; a feature's own (<see cref="DedicatedTopic"/>) is written to directly. The optional settings below
/// are null by default: no per-recipient lanes, and the Messages-wide retry settings.
/// </summary>
public sealed class MessageTopic
{
    public string Name { get; set; } = "";

    /// <summary>The youngest age (in whole years, inclusive) routed here; null: no lower bound.</summary>
    public int? MinAge { get; set; }

    /// <summary>The oldest age (inclusive); null: no upper bound.</summary>
    public int? MaxAge { get; set; }

    /// <summary>The provider quota for this topic: at most this many sends per minute, across all instances.</summary>
    public int PerMinute { get; set; } = 600;

    /// <summary>Sends in flight to one recipient in one consumer; more are deferred (not counted as attempts).</summary>
    public int? PerRecipientConcurrency { get; set; }

    /// <summary>Sends per minute to one recipient, across all instances; more are deferred (not counted as attempts).</summary>
    public int? PerRecipientPerMinute { get; set; }

    /// <summary>Overrides <see cref="MessagingSettings.MaxAttempts"/> for this topic.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary>Overrides <see cref="MessagingSettings.RetryDelay"/> for this topic.</summary>
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>Overrides <see cref="MessagingSettings.MaxRetryDelay"/> for this topic.</summary>
    public TimeSpan? MaxRetryDelay { get; set; }

    /// <summary>Overrides <see cref="MessagingSettings.SendTimeout"/> for this topic; below ClaimAfter too.</summary>
    public TimeSpan? SendTimeout { get; set; }
}

/// <summary>The "Messages" section: topics (segments), dedup lock times, retries and consumers.</summary>
public sealed partial class MessagingSettings : IValidatableObject
{
    public const string Section = "Messages";

    /// <summary>
    /// Segments by age, in order; the first whose range holds the recipient's age takes the message. Adding a segment
    /// is adding a row here (configuration, not code). The default is the seed's decades: 20s, 30s, 40s, 50s, 60s+.
    /// </summary>
    public List<MessageTopic> Topics { get; set; } = [];

    /// <summary>Where a message goes without a birthdate, or with an age no topic covers.</summary>
    public MessageTopic DefaultTopic { get; set; } = new() { Name = "message-topic-default" };

    /// <summary>How long a sent kind locks out the same kind to the same recipient (per kind; default one minute).</summary>
    public Dictionary<string, TimeSpan> LockTimes { get; set; } = [];

    public TimeSpan DefaultLockTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Attempts before a message moves to its topic's dead-letter stream.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait after the first failure; it doubles with each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A message this long unacknowledged by its consumer (crashed or hung) is claimed by another.</summary>
    public TimeSpan ClaimAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many times one stream entry may be handed to a consumer (the first read, then each claim after a crash or
    /// hang) before it counts as poison and moves to the dead letters unsent.
    /// </summary>
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>How long one send may take before it counts as failed; below <see cref="ClaimAfter"/>.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Sends one consumer has in flight at once, per topic (the quota still paces them).</summary>
    public int SendConcurrency { get; set; } = 8;

    /// <summary>Whether this instance runs the consumers (every instance may; they share each topic's group).</summary>
    public bool ConsumersEnabled { get; set; } = true;

    /// <summary>Streams keep about this many entries (sent ones included, for inspection).</summary>
    public int StreamMaxLength { get; set; } = 100_000;

    /// <summary>The topics in routing order, the default last.</summary>
    public IEnumerable<MessageTopic> AllTopics => Topics.Count == 0 ? [.. DecadeTopics, DefaultTopic] : [.. Topics, DefaultTopic];

    // The seed's segments, used when none are configured.
    private static readonly MessageTopic[] DecadeTopics =
    [
        new() { Name = "message-topic-20s", MinAge = 20, MaxAge = 29 },
        new() { Name = "message-topic-30s", MinAge = 30, MaxAge = 39 },
        new() { Name = "message-topic-40s", MinAge = 40, MaxAge = 49 },
        new() { Name = "message-topic-50s", MinAge = 50, MaxAge = 59 },
        new() { Name = "message-topic-60s", MinAge = 60 },
    ];

    public TimeSpan LockTimeOf(string kind) => LockTimes.GetValueOrDefault(kind, DefaultLockTime);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (topic, index) in AllTopics.Select((topic, index) => (topic, index)))
        {
            var path = topic == DefaultTopic ? "Messages:DefaultTopic" : $"Messages:Topics:{index}";
            if (TopicName().IsMatch(topic.Name) && !names.Add(topic.Name))
            {
                yield return new($"{path}:Name \"{topic.Name}\" is used twice.");
            }

            if (topic.MinAge > topic.MaxAge)
            {
                yield return new($"{path}: MinAge is above MaxAge.");
            }

            foreach (var problem in TopicProblems(topic, path))
            {
                yield return new(problem);
            }
        }

        if (MaxAttempts < 1)
        {
            yield return new("Messages:MaxAttempts must be at least 1.");
        }

        if (MaxDeliveries < 2)
        {
            yield return new("Messages:MaxDeliveries must be at least 2 (the first read, and one claim after a crash).");
        }

        if (SendTimeout >= ClaimAfter)
        {
            yield return new("Messages:SendTimeout must be shorter than Messages:ClaimAfter: a send still in flight would be claimed and sent again.");
        }

        if (SendConcurrency is < 1 or > 256)
        {
            yield return new("Messages:SendConcurrency must be from 1 to 256.");
        }

        foreach (var (name, value) in new[] { ("DefaultLockTime", DefaultLockTime), ("RetryDelay", RetryDelay),
            ("MaxRetryDelay", MaxRetryDelay), ("ClaimAfter", ClaimAfter), ("SendTimeout", SendTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new($"Messages:{name} must be positive.");
            }
        }
    }

    /// <summary>A topic's limits and overrides, each problem naming the setting under <paramref name="path"/>.</summary>
    public IEnumerable<string> TopicProblems(MessageTopic topic, string path)
    {
        if (!TopicName().IsMatch(topic.Name))
        {
            yield return $"{path}:Name must be 1-48 characters of a-z, 0-9, '.', '_' or '-' (it names a stream), not \"{topic.Name}\".";
        }

        foreach (var (name, value) in new[] { ("PerMinute", (int?)topic.PerMinute), ("PerRecipientConcurrency", topic.PerRecipientConcurrency),
            ("PerRecipientPerMinute", topic.PerRecipientPerMinute), ("MaxAttempts", topic.MaxAttempts) })
        {
            if (value < 1)
            {
                yield return $"{path}:{name} must be at least 1.";
            }
        }

        foreach (var (name, value) in new[] { ("RetryDelay", topic.RetryDelay), ("MaxRetryDelay", topic.MaxRetryDelay), ("SendTimeout", topic.SendTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return $"{path}:{name} must be positive.";
            }
        }

        if (topic.SendTimeout >= ClaimAfter)
        {
            yield return $"{path}:SendTimeout must be shorter than Messages:ClaimAfter: a send still in flight would be claimed and sent again.";
        }
    }

    [GeneratedRegex("^[a-z0-9._-]{1,48}$")]
    private static partial Regex TopicName();
}
