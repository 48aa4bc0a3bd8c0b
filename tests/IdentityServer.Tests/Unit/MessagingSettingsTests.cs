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

    private static List<string> Errors(MessagingSettings settings) =>
        [.. settings.Validate(new ValidationContext(settings)).Select(result => result.ErrorMessage!)];
}
