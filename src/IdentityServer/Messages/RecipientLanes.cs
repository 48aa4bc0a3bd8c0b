using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// A topic's per-recipient limits (<see cref="MessageTopic.PerRecipientConcurrency"/> in this consumer,
/// <see cref="MessageTopic.PerRecipientPerMinute"/> across instances), so that one slow or busy recipient (a relying
/// party's endpoint) cannot take every send slot of the topic. Recipients compare ordinally (client ids are case-sensitive).
/// </summary>
internal sealed class RecipientLanes(MessageTopic topic, DistributedRateLimiter limiter)
{
    /// <summary>How long a message waits when its recipient has all its sends in flight.</summary>
    public static readonly TimeSpan BusyDelay = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly string _policy = $"messages.{topic.Name}.recipient";
    private readonly RateLimitPolicy? _perMinute = topic.PerRecipientPerMinute is { } limit
        ? new() { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), WhenRedisUnavailable = RedisUnavailableBehavior.Reject }
        : null;

    /// <returns>
    /// Null when the send may go ahead (then <see cref="Leave"/> when it is done); otherwise why not
    /// (<c>concurrency</c> or <c>rate</c>) and when to try again.
    /// </returns>
    public async Task<(string Reason, TimeSpan Delay)?> TryEnterAsync(string recipient, CancellationToken cancellationToken)
    {
        if (!TryTakeSlot(recipient))
        {
            return ("concurrency", BusyDelay);
        }

        if (_perMinute is null)
        {
            return null;
        }

        try
        {
            var decision = await limiter.AcquireAsync(_policy, _perMinute, recipient, cancellationToken);
            if (decision.Allowed)
            {
                return null;
            }

            Leave(recipient);
            return ("rate", decision.RetryAfter);
        }
        catch
        {
            Leave(recipient);
            throw;
        }
    }

    public void Leave(string recipient)
    {
        if (topic.PerRecipientConcurrency is null)
        {
            return;
        }

        lock (_inFlight)
        {
            if (--_inFlight[recipient] == 0)
            {
                _inFlight.Remove(recipient);
            }
        }
    }

    private bool TryTakeSlot(string recipient)
    {
        if (topic.PerRecipientConcurrency is not { } cap)
        {
            return true;
        }

        lock (_inFlight)
        {
            var count = _inFlight.GetValueOrDefault(recipient);
            if (count >= cap)
            {
                return false;
            }

            _inFlight[recipient] = count + 1;
            return true;
        }
    }
}
