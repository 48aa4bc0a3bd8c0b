using Microsoft.Extensions.Options;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// A feature's own topic: consumed like the configured ones, never a routing target (the feature writes to its stream
/// directly). Registered as a singleton by the feature: <c>services.AddSingleton(new DedicatedTopic(...))</c>.
/// </summary>
public sealed record DedicatedTopic(MessageTopic Topic);

/// <summary>Checked at start with the Messages settings: a dedicated topic valid, and no stream consumed twice.</summary>
internal sealed class DedicatedTopicsValidation(IEnumerable<DedicatedTopic> dedicated) : IValidateOptions<MessagingSettings>
{
    public ValidateOptionsResult Validate(string? name, MessagingSettings options)
    {
        var names = options.AllTopics.Select(topic => topic.Name).ToHashSet(StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (var topic in dedicated.Select(registered => registered.Topic))
        {
            var path = $"The dedicated topic \"{topic.Name}\"";
            if (!names.Add(topic.Name))
            {
                failures.Add($"{path} has the name of a topic in Messages:Topics or Messages:DefaultTopic, or of another dedicated topic: rename the configured one.");
            }

            failures.AddRange(options.TopicProblems(topic, path));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
