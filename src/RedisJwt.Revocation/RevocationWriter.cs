using StackExchange.Redis;

namespace RedisJwt.Revocation;

/// <summary>
/// Records revocations (IdentityServer side). Key, index entry and channel message go in one MULTI/EXEC, so a
/// revocation is either fully recorded or not at all: a subscriber that misses the message (it was offline) still
/// finds it by lookup or in the index.
/// </summary>
public sealed class RevocationWriter(IConnectionMultiplexer redis, RevocationKeys keys, TimeProvider clock)
{
    /// <exception cref="RedisException">Redis could not record it; the caller must not report success.</exception>
    /// <exception cref="TimeoutException">Likewise.</exception>
    public async Task RevokeAsync(params IReadOnlyCollection<Revoked> revocations)
    {
        var now = clock.GetUtcNow();
        var transaction = redis.GetDatabase().CreateTransaction();
        var commands = new List<Task>();
        foreach (var revocation in revocations.Where(revocation => revocation.ExpiresAt > now))
        {
            var encoded = revocation.Encode();
            commands.Add(transaction.StringSetAsync(keys.Revoked(revocation), revocation.Value, revocation.ExpiresAt - now));
            commands.Add(transaction.SortedSetAddAsync(keys.Index, encoded, revocation.ExpiresAt.ToUnixTimeMilliseconds()));
            commands.Add(transaction.PublishAsync(keys.Channel, encoded));
        }

        if (commands.Count == 0)
        {
            return; // Everything concerned has expired already.
        }

        // Expired entries leave the index here, so it never grows beyond what is still revoked.
        commands.Add(transaction.SortedSetRemoveRangeByScoreAsync(keys.Index, double.NegativeInfinity, now.ToUnixTimeMilliseconds()));

        if (!await transaction.ExecuteAsync())
        {
            throw new RedisException("The revocation transaction was not executed.");
        }

        await Task.WhenAll(commands);
    }
}
