using System.ComponentModel.DataAnnotations;
using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.IdentityServer.Credentials;

/// <summary>
/// Where the signing and encryption certificates live: a PEM certificate plus PEM key, or a PFX
/// (then the key path stays empty and the password may be set). Relative paths resolve against the
/// content root. Every instance must load the same files so tokens verify on all of them. The signing
/// certificate signs until the first key added by `IdentityServer keys rotate` activates (<see cref="SigningKeyRing"/>).
/// </summary>
public sealed class CredentialOptions
{
    public const string Section = "Credentials";

    [Required(ErrorMessage = "Credentials:SigningCertificatePath is required: the server never signs with ephemeral keys. Run certs/generate-dev-certs.sh for development.")]
    public string SigningCertificatePath { get; set; } = "";

    public string? SigningKeyPath { get; set; }

    public string? SigningCertificatePassword { get; set; }

    /// <summary>
    /// RS256 (default, what every resource server can verify), PS256 (the same RSA key, PSS padding) or ES256 (an EC
    /// P-256 key: signing costs about a tenth of RS256). One fixed algorithm per key leaves no room for alg confusion
    /// (RFC 8725 3.1).
    /// </summary>
    [RegularExpression("^(RS256|PS256|ES256)$", ErrorMessage = "Credentials:SigningAlgorithm must be RS256, PS256 or ES256.")]
    public string SigningAlgorithm { get; set; } = SecurityAlgorithms.RsaSha256;

    /// <summary>
    /// How long a key added by `keys rotate` is published before it signs, so every resource server has it in its
    /// cached JWKS first (Microsoft.IdentityModel caches for 12 hours by default; BoardApi for 10 minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00", ErrorMessage = "Credentials:KeyPropagationTime must be between 00:00:00 and 30.00:00:00.")]
    public TimeSpan KeyPropagationTime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Added to the longest token lifetime: how long a retired key stays published (clock skew, slow clients).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Credentials:KeyRetirementGrace must be between 00:00:00 and 1.00:00:00.")]
    public TimeSpan KeyRetirementGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each instance reads the key ring, in case it missed an announcement on Redis.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Credentials:KeyRefreshInterval must be between 00:00:01 and 1.00:00:00.")]
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    [Required(ErrorMessage = "Credentials:EncryptionCertificatePath is required: authorization codes and refresh tokens are encrypted with it.")]
    public string EncryptionCertificatePath { get; set; } = "";

    public string? EncryptionKeyPath { get; set; }

    public string? EncryptionCertificatePassword { get; set; }
}
