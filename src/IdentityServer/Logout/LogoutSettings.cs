using System.ComponentModel.DataAnnotations;

namespace RedisJwt.IdentityServer.Logout;

/// <summary>The "Logout" section: logout tokens, their delivery to clients' back channels, and the front-channel wait.</summary>
public sealed class LogoutSettings : IValidatableObject
{
    public const string Section = "Logout";

    /// <summary>A logout token's exp after its iat: short, since it is signed afresh for each delivery attempt.</summary>
    public TimeSpan LogoutTokenLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a client's back-channel endpoint may take to answer before the attempt counts as failed.</summary>
    public TimeSpan BackChannelTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Deliveries in flight to one client per instance: a slow client holds no more than these.</summary>
    public int BackChannelPerClientConcurrency { get; set; } = 4;

    /// <summary>Deliveries to one client per minute, across instances; more wait their turn (never dropped).</summary>
    public int BackChannelPerClientPerMinute { get; set; } = 1200;

    /// <summary>Attempts before a notification is dead-lettered; with the delays below, about 18 minutes of retries.</summary>
    public int BackChannelMaxAttempts { get; set; } = 10;

    /// <summary>The wait after the first failed attempt, doubling with each further one up to the maximum.</summary>
    public TimeSpan BackChannelRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan BackChannelMaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the end-session page waits for the clients' front-channel iframes before it moves on.</summary>
    public TimeSpan FrontChannelTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, value) in new[] { (nameof(LogoutTokenLifetime), LogoutTokenLifetime), (nameof(BackChannelTimeout), BackChannelTimeout),
            (nameof(BackChannelRetryDelay), BackChannelRetryDelay), (nameof(BackChannelMaxRetryDelay), BackChannelMaxRetryDelay),
            (nameof(FrontChannelTimeout), FrontChannelTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new($"{Section}:{name} must be positive.");
            }
        }

        if (FrontChannelTimeout > TimeSpan.FromSeconds(30))
        {
            yield return new($"{Section}:FrontChannelTimeout is at most 30 seconds: the user is waiting on the page.");
        }

        foreach (var (name, value) in new[] { (nameof(BackChannelPerClientConcurrency), BackChannelPerClientConcurrency),
            (nameof(BackChannelPerClientPerMinute), BackChannelPerClientPerMinute), (nameof(BackChannelMaxAttempts), BackChannelMaxAttempts) })
        {
            if (value < 1)
            {
                yield return new($"{Section}:{name} must be at least 1.");
            }
        }
    }
}
