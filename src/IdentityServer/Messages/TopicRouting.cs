namespace RedisJwt.IdentityServer.Messages;

/// <summary>Which topic a message goes to: the first segment holding the recipient's age on the given day.</summary>
public static class TopicRouting
{
    public static MessageTopic Route(MessagingSettings settings, DateOnly? birthDate, DateOnly today)
    {
        if (birthDate is not { } born || born > today)
        {
            return settings.DefaultTopic;
        }

        var age = today.Year - born.Year - (today < born.AddYears(today.Year - born.Year) ? 1 : 0);
        return settings.AllTopics.FirstOrDefault(topic => topic != settings.DefaultTopic
                && (topic.MinAge is null || age >= topic.MinAge) && (topic.MaxAge is null || age <= topic.MaxAge))
            ?? settings.DefaultTopic;
    }
}
