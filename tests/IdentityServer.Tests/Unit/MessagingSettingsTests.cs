using System.ComponentModel.DataAnnotations;
using RedisJwt.IdentityServer.Messages;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class MessagingSettingsTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.Empty(Errors(new MessagingSettings()));

    [Fact]
    public void SendTimeoutNotBelowClaimAfter_Refused_ASendInFlightWouldBeClaimedAndSentTwice()
    {
        var errors = Errors(new MessagingSettings { SendTimeout = TimeSpan.FromSeconds(60), ClaimAfter = TimeSpan.FromSeconds(60) });

        Assert.Contains(errors, error => error.StartsWith("Messages:SendTimeout must be shorter than Messages:ClaimAfter", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxDeliveriesOfOne_Refused_ACrashedConsumersMessageWouldNeverBeClaimed() =>
        Assert.Contains(Errors(new MessagingSettings { MaxDeliveries = 1 }),
            error => error.StartsWith("Messages:MaxDeliveries must be at least 2", StringComparison.Ordinal));

    [Fact]
    public void TopicSendTimeoutNotBelowClaimAfter_Refused_NamingTheTopicsSetting()
    {
        var settings = new MessagingSettings { Topics = [new() { Name = "rp", SendTimeout = TimeSpan.FromSeconds(60) }] };

        Assert.Contains("Messages:Topics:0:SendTimeout must be shorter than Messages:ClaimAfter: a send still in flight would be claimed and sent again.",
            Errors(settings));
    }

    [Fact]
    public void TopicOverridesOutOfRange_Refused_EachNamed()
    {
        var settings = new MessagingSettings
        {
            DefaultTopic = new()
            {
                Name = "message-topic-default", PerRecipientConcurrency = 0, PerRecipientPerMinute = 0, MaxAttempts = 0,
                RetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.FromSeconds(-1), SendTimeout = TimeSpan.Zero,
            },
        };

        Assert.Equal(
        [
            "Messages:DefaultTopic:PerRecipientConcurrency must be at least 1.",
            "Messages:DefaultTopic:PerRecipientPerMinute must be at least 1.",
            "Messages:DefaultTopic:MaxAttempts must be at least 1.",
            "Messages:DefaultTopic:RetryDelay must be positive.",
            "Messages:DefaultTopic:MaxRetryDelay must be positive.",
            "Messages:DefaultTopic:SendTimeout must be positive.",
        ], Errors(settings));
    }

    [Fact]
    public void TopicOverridesInRange_Accepted() => Assert.Empty(Errors(new MessagingSettings
    {
        Topics = [new() { Name = "rp", PerRecipientConcurrency = 2, PerRecipientPerMinute = 30, MaxAttempts = 8,
            RetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromMinutes(10), SendTimeout = TimeSpan.FromSeconds(5) }],
    }));

    [Fact]
    public void DedicatedTopicNamedAsAConfiguredOne_Refused()
    {
        var validation = new DedicatedTopicsValidation([new DedicatedTopic(new MessageTopic { Name = "message-topic-default" })]);

        var result = validation.Validate(null, new MessagingSettings());

        Assert.True(result.Failed);
        Assert.StartsWith("The dedicated topic \"message-topic-default\" has the name of a topic in Messages:Topics", result.FailureMessage);
    }

    [Fact]
    public void DedicatedTopicOutOfRange_Refused_NamingIt() =>
        Assert.Contains("The dedicated topic \"backchannel-logout\":PerRecipientConcurrency must be at least 1.",
            new DedicatedTopicsValidation([new DedicatedTopic(new MessageTopic { Name = "backchannel-logout", PerRecipientConcurrency = 0 })])
                .Validate(null, new MessagingSettings()).Failures!);

    [Fact]
    public void MessageId_CarriesItsCreationTime()
    {
        var created = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Assert.Equal(created, MessageMetrics.CreatedAt(Guid.CreateVersion7(created).ToString("N")));
        Assert.Null(MessageMetrics.CreatedAt("not-a-message-id"));
    }

    private static List<string> Errors(MessagingSettings settings) =>
        [.. settings.Validate(new ValidationContext(settings)).Select(result => result.ErrorMessage!)];
}
