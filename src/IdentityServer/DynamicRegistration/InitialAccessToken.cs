namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// An admin's permission to register clients at /connect/register (RFC 7591 3, "initial access token"), within a
/// <see cref="RegistrationPolicy"/>, until it expires, is revoked or has been used <see cref="MaxUses"/> times. Table
/// InitialAccessTokens; the token itself only as its SHA-256.
/// </summary>
public sealed class InitialAccessToken
{
    public const int IdMaxLength = 16;
    public const int DescriptionMaxLength = 200;

    public string Id { get; set; } = "";

    public byte[] TokenHash { get; set; } = [];

    public string Description { get; set; } = "";

    public List<string> GrantTypes { get; set; } = [];

    public List<string> Scopes { get; set; } = [];

    /// <summary>Each an absolute http(s) URI whose path ends in '/' (see <see cref="RegistrationPolicy"/>).</summary>
    public List<string> RedirectUriPrefixes { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public int MaxUses { get; set; }

    /// <summary>Registrations made with it, counted atomically (one UPDATE ... WHERE Uses &lt; MaxUses).</summary>
    public int Uses { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public RegistrationPolicy Policy => new(GrantTypes, Scopes, RedirectUriPrefixes);
}

/// <summary>
/// A client registered at /connect/register (table DynamicClients, deleted with the client): what RFC 7592 needs to
/// manage it. A client the admin API, the CLI or the seed made has none, so it cannot be managed there.
/// </summary>
public sealed class DynamicClient
{
    /// <summary>OpenIddict's application id: the row goes with the application, never over to a later namesake.</summary>
    public string ApplicationId { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>SHA-256 of the registration access token; replaced at every update (RFC 7592 2.2).</summary>
    public byte[] RegistrationTokenHash { get; set; } = [];

    public DateTimeOffset IssuedAt { get; set; }

    /// <summary>The initial access token it was registered with; null for open registration.</summary>
    public string? InitialAccessTokenId { get; set; }

    // The registration's policy, copied when it registered: an update stays within it, even after the token is gone.
    public List<string> GrantTypes { get; set; } = [];

    public List<string> Scopes { get; set; } = [];

    /// <summary>Null: any redirect URI ClientDescriptors accepts (open registration).</summary>
    public List<string>? RedirectUriPrefixes { get; set; }

    public RegistrationPolicy Policy => new(GrantTypes, Scopes, RedirectUriPrefixes);
}
