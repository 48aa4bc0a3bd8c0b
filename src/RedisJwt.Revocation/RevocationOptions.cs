using System.ComponentModel.DataAnnotations;

namespace RedisJwt.Revocation;

/// <summary>The "Revocation" section of a resource server.</summary>
public sealed class RevocationOptions
{
    public const string Section = "Revocation";

    /// <summary>Off only to measure what the check costs (bench/); never in a deployment.</summary>
    public bool CheckEnabled { get; set; } = true;

    /// <summary>
    /// After losing Redis, how long requests are still judged on the last known revocations; after that, 503 until
    /// Redis is back (fail closed), because a revocation made meanwhile would go unnoticed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "Revocation:DegradedWindow must be between 00:00:00 and 00:10:00.")]
    public TimeSpan DegradedWindow { get; set; } = TimeSpan.FromSeconds(30);
}
