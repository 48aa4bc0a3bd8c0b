namespace RedisJwt.IdentityServer.Credentials;

/// <summary>A key's place in the ring: the configured certificate counts as the oldest key, active since ever.</summary>
public readonly record struct RingKey(string Id, DateTimeOffset ActivatesAt);

/// <summary>
/// Which key signs and which are published, at one instant. Keys sign in turn, each from its activation until the next
/// key's; one that no longer signs stays published for <c>retention</c> (the longest token lifetime plus a grace), so
/// every token it signed still verifies, then leaves. The same inputs give the same plan on every instance.
/// </summary>
/// <param name="SigningKeyId">The key that signs now: the newest key whose activation has come.</param>
/// <param name="PublishedKeyIds">Every key in the JWKS now, the signing key first.</param>
/// <param name="NextChange">When the plan changes next by itself (an activation, or a retired key leaving).</param>
/// <param name="ExpiredKeyIds">Retired keys past their retention: no token they signed is valid any more.</param>
public sealed record SigningKeyPlan(string SigningKeyId, IReadOnlyList<string> PublishedKeyIds, DateTimeOffset? NextChange,
    IReadOnlyList<string> ExpiredKeyIds)
{
    public static SigningKeyPlan Compute(string configuredKeyId, IEnumerable<RingKey> ringKeys, DateTimeOffset now, TimeSpan retention)
    {
        List<RingKey> keys =
        [
            new(configuredKeyId, DateTimeOffset.MinValue),
            .. ringKeys.Where(key => key.Id != configuredKeyId).OrderBy(key => key.ActivatesAt).ThenBy(key => key.Id, StringComparer.Ordinal),
        ];

        var signing = keys.FindLastIndex(key => key.ActivatesAt <= now);
        var published = new List<string> { keys[signing].Id };
        var expired = new List<string>();
        DateTimeOffset? next = null;
        void Until(DateTimeOffset instant) => next = next is { } known && known <= instant ? known : instant;

        for (var index = 0; index < keys.Count; index++)
        {
            if (index == signing)
            {
                continue;
            }

            if (index > signing)
            {
                // Waiting for its activation: published ahead, so resource servers know it before it signs.
                published.Add(keys[index].Id);
                Until(keys[index].ActivatesAt);
                continue;
            }

            var leavesAt = keys[index + 1].ActivatesAt + retention;
            if (leavesAt > now)
            {
                published.Add(keys[index].Id);
                Until(leavesAt);
            }
            else
            {
                expired.Add(keys[index].Id);
            }
        }

        return new SigningKeyPlan(keys[signing].Id, published, next, expired);
    }

    /// <summary>Equal for two plans that put the same keys in OpenIddict's options, in the same role.</summary>
    public string Signature => string.Join(',', PublishedKeyIds);
}
