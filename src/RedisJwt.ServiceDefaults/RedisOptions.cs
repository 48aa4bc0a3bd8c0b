using System.ComponentModel.DataAnnotations;

namespace RedisJwt.ServiceDefaults;

/// <summary>Settings of the "Redis" section. The connection string is ConnectionStrings:Redis.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>Prepended to every key and channel, so environments (and test runs) sharing one Redis stay apart.</summary>
    [Required, RegularExpression(@"^[A-Za-z0-9:._-]{1,64}$", ErrorMessage = "Redis:KeyPrefix must be 1-64 characters of letters, digits, ':', '.', '_' or '-'.")]
    public string KeyPrefix { get; set; } = "redisjwt:";

    /// <summary>
    /// A CA certificate (PEM or DER) that signed the Redis servers' TLS certificates, for a private CA the system does
    /// not trust; the servers' names are still checked. Needs <c>ssl=true</c> in the connection string.
    /// </summary>
    public string? TrustedCaCertificatePath { get; set; }
}
