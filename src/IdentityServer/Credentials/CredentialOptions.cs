using System.ComponentModel.DataAnnotations;

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

    [Required(ErrorMessage = "Credentials:EncryptionCertificatePath is required: authorization codes and refresh tokens are encrypted with it.")]
    public string EncryptionCertificatePath { get; set; } = "";

    public string? EncryptionKeyPath { get; set; }

    public string? EncryptionCertificatePassword { get; set; }
}
