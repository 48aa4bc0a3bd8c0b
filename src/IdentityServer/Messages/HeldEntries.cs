using System.Collections.Concurrent;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Messages;

/// <summary>
/// The entries a consumer has in hand, for its lifetime: added when read or claimed, released when acknowledged,
/// retried, dead-lettered or given up. An entry can wait long for its topic's quota (minutes on a low limit), longer
/// than <see cref="MessagingSettings.ClaimAfter"/>: without renewal, another instance would claim it and both would
/// send it. So their idle time is reset regularly, and an entry another consumer took anyway (this one stalled past
/// ClaimAfter) is given up rather than sent twice.
/// </summary>
internal sealed class HeldEntries(IDatabase redis, RedisKey stream, string group, string consumer, IEnumerable<StreamEntry>? entries = null)
{
    // KEYS[1]: the stream; ARGV: group, consumer, then the ids. Resets the idle time only of entries this consumer still
    // owns (a bare XCLAIM would take one back from the consumer that claimed it); JUSTID leaves the delivery count
    // alone, so renewals do not count towards poison. Returns the ids no longer owned.
    private const string RenewScript = """
        local lost = {}
        for i = 3, #ARGV do
            local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
            if #pending == 0 or pending[1][2] ~= ARGV[2] then
                lost[#lost + 1] = ARGV[i]
            else
                redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
            end
        end
        return lost
        """;

    private readonly ConcurrentDictionary<string, Holding> _held =
        new((entries ?? []).Select(entry => KeyValuePair.Create(entry.Id.ToString(), new Holding(entry.Id))));

    /// <summary>Taken in hand (read or claimed); false if it already is (claimed back while still in hand).</summary>
    public bool Add(RedisValue id) => _held.TryAdd(id.ToString(), new Holding(id));

    /// <summary>Done with (acknowledged, retried, dead-lettered or given up): no longer renewed.</summary>
    public void Release(RedisValue id) => _held.TryRemove(id.ToString(), out _);

    /// <summary>Whether another consumer owns the entry now, so this one must not send it.</summary>
    public bool IsLost(RedisValue id) => _held.TryGetValue(id.ToString(), out var holding) && holding.Lost;

    /// <summary>Renews every <paramref name="interval"/> until <paramref name="stopping"/>; a failed renewal is tried again.</summary>
    public async Task RenewAsync(TimeSpan interval, TimeProvider clock, ILogger logger, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, clock, stopping);
                RedisValue[] ids = [.. _held.Values.Select(holding => holding.Id)];
                if (ids.Length == 0)
                {
                    continue;
                }

                var lost = (RedisValue[])(await redis.ScriptEvaluateAsync(RenewScript, [stream], [group, consumer, .. ids]))!;
                foreach (var id in lost)
                {
                    if (_held.TryGetValue(id.ToString(), out var holding) && !holding.Lost)
                    {
                        holding.Lost = true;
                        logger.LogWarning("Message {EntryId} on {Stream} was claimed by another consumer while this one held it; not sending it here.",
                            id, stream);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                logger.LogWarning(exception, "Renewing the messages held on {Stream} failed; trying again.", stream);
            }
        }
    }

    private sealed class Holding(RedisValue id)
    {
        public RedisValue Id { get; } = id;

        public volatile bool Lost;
    }
}
