namespace RedisJwt.IdentityServer.Credentials;

/// <summary>
/// One generated signing key of the key ring (table SigningKeys). It is published in the JWKS from the moment it is
/// added, signs from <see cref="ActivatesAt"/> until the next key activates, and stays published after that for as
/// long as a token it signed can still be valid (<see cref="SigningKeyPlan"/>).
/// </summary>
public sealed class SigningKey
{
    public const int IdMaxLength = 64;
    public const int AlgorithmMaxLength = 8;

    /// <summary>The kid: the key's RFC 7638 JWK thumbprint (SHA-256, base64url).</summary>
    public string Id { get; set; } = "";

    /// <summary>RS256, PS256 or ES256: fixed per key, published with it (RFC 8725 3.1).</summary>
    public string Algorithm { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ActivatesAt { get; set; }

    /// <summary>The PKCS#8 private key, enveloped (CMS, RFC 5652) to the configured encryption certificate.</summary>
    public byte[] ProtectedKey { get; set; } = [];

    /// <summary>
    /// HMAC-SHA256 over the row, with a key only holders of the encryption certificate's private key derive: anyone can
    /// envelope a key to the public certificate, so without it a database write alone could plant a signing key.
    /// </summary>
    public byte[] Seal { get; set; } = [];
}
