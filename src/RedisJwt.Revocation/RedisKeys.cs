using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace RedisJwt.Revocation;

/// <summary>
/// Every Redis key and channel the system uses is named here, under the configured prefix,
/// so the schema is documented in one place (see README "Redis keys").
/// </summary>
public sealed class RedisKeys(IOptions<RedisOptions> options)
{
    private readonly string _prefix = options.Value.KeyPrefix;

    /// <summary>A list holding the ASP.NET Core Data Protection key ring shared by all IdentityServer instances.</summary>
    public RedisKey DataProtectionKeys => $"{_prefix}dataprotection:keys";

    /// <summary>
    /// A random value BoardApi replaces around every post write. Cached post lists are keyed by it, so a write
    /// makes every earlier list unreachable on every instance at once.
    /// </summary>
    public RedisKey PostListGeneration => $"{_prefix}board:posts:generation";

    /// <summary>Prefix of BoardApi's HybridCache entries in Redis (the second level), e.g. cached post lists.</summary>
    public string BoardCacheInstance => $"{_prefix}board:cache:";
}
