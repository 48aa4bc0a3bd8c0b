using System.ComponentModel.DataAnnotations;

namespace RedisJwt.Revocation;

/// <summary>The "Revocation" section of a resource server (and of the IdentityServer, for the key prefix).</summary>
public sealed class RevocationOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "Revocation";

    /// <summary>The only environment in which <see cref="CheckEnabled"/> may be false.</summary>
    public const string BenchmarkEnvironment = "Benchmark";

    /// <summary>
    /// The prefix of the revocation keys and channel: it must be the IdentityServer's <c>Redis:KeyPrefix</c>
    /// (default <c>redisjwt:</c>). RedisJwt's own services set it from their <c>Redis:KeyPrefix</c>.
    /// </summary>
    [Required, RegularExpression(@"^[A-Za-z0-9:._-]{1,64}$", ErrorMessage = "Revocation:KeyPrefix must be 1-64 characters of letters, digits, ':', '.', '_' or '-'.")]
    public string KeyPrefix { get; set; } = "redisjwt:";

    /// <summary>
    /// False only to measure what the check costs, and only in the environment named
    /// <see cref="BenchmarkEnvironment"/>: anywhere else the service refuses to start.
    /// </summary>
    public bool CheckEnabled { get; set; } = true;

    /// <summary>
    /// After losing Redis, how long requests are still judged on the last known revocations; after that, 503 until
    /// Redis is back (fail closed), because a revocation made meanwhile would go unnoticed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Revocation:DegradedWindow must be between 00:00:00 and 00:10:00.")]
    public TimeSpan DegradedWindow { get; set; } = TimeSpan.FromSeconds(30);
}
