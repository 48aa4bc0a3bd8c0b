using System.ComponentModel.DataAnnotations;
using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.IdentityServer.Credentials;

/// <summary>
/// Where the signing and encryption certificates live: a PEM certificate plus PEM key, or a PFX
/// (then the key path stays empty and the password may be set). Relative paths resolve against the
/// content root. Every instance must load the same files so tokens verify on all of them.
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

    [Required(ErrorMessage = "Credentials:EncryptionCertificatePath is required: authorization codes and refresh tokens are encrypted with it.")]
    public string EncryptionCertificatePath { get; set; } = "";

    public string? EncryptionKeyPath { get; set; }

    public string? EncryptionCertificatePassword { get; set; }
}
