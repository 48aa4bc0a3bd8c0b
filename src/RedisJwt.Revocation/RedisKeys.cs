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
}
