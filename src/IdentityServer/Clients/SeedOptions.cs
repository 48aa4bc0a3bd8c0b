namespace RedisJwt.IdentityServer.Clients;

/// <summary>The "Seed" section: clients, API scopes and an optional demo user, applied idempotently at every start.</summary>
public sealed class SeedOptions
{
    public const string Section = "Seed";

    /// <summary>Keyed by client_id. Secrets belong in environment variables or user-secrets, never appsettings.json.</summary>
    public Dictionary<string, ClientSeed> Clients { get; set; } = [];

    /// <summary>
    /// Keyed by scope name; each API scope grants access to one resource, whose identifier is the <c>aud</c> of its
    /// tokens and what a request's <c>resource</c> parameter names (RFC 8707; see <see cref="ApiScopeResources"/>).
    /// </summary>
    public Dictionary<string, ApiScopeSeed> ApiScopes { get; set; } = [];

    public DemoUserSeed? DemoUser { get; set; }
}

public sealed class ClientSeed
{
    public string DisplayName { get; set; } = "";

    /// <summary>"public" (a SPA or native app: no secret, PKCE) or "confidential".</summary>
    public string Type { get; set; } = "confidential";

    /// <summary>"implicit" (first-party: never asks) or "explicit" (third-party: asks once per user and scope set).</summary>
    public string ConsentType { get; set; } = "explicit";

    public string? Secret { get; set; }

    /// <summary>authorization_code, refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:device_code (RFC 8628);
    /// password for the AuthApi:ClientId client only.</summary>
    public List<string> GrantTypes { get; set; } = [];

    /// <summary>Compared exactly, character for character (RFC 9700 2.1).</summary>
    public List<Uri> RedirectUris { get; set; } = [];

    public List<Uri> PostLogoutRedirectUris { get; set; } = [];

    public List<string> Scopes { get; set; } = [];

    /// <summary>A resource server that may call the introspection endpoint.</summary>
    public bool Introspection { get; set; }

    /// <summary>
    /// With <see cref="Introspection"/>: the resource identifier of the API this client is (one of the API scopes'
    /// resources; BoardApi's board-api: BoardApi's Auth:Audience). It may introspect the access tokens for it.
    /// </summary>
    public string? Resource { get; set; }

    /// <summary>ID tokens always carry auth_time (OIDC Dynamic Client Registration 1.0 section 2).</summary>
    public bool RequireAuthTime { get; set; }

    /// <summary>Every sign-in to this client must be multi-factor.</summary>
    public bool RequireMfa { get; set; }

    /// <summary>Authorization requests only through the pushed authorization endpoint (RFC 9126 section 6).</summary>
    public bool RequirePushedAuthorizationRequests { get; set; }

    /// <summary>Every token request carries a DPoP proof, so every access token is sender-constrained (RFC 9449 5.2).</summary>
    public bool RequireDPoP { get; set; }

    /// <summary>Where logout tokens are POSTed when a session the client took part in ends (OIDC Back-Channel Logout 1.0).</summary>
    public Uri? BackChannelLogoutUri { get; set; }

    /// <summary>Every logout token to the client carries the sid (ours always do, for a session's end).</summary>
    public bool BackChannelLogoutSessionRequired { get; set; }

    /// <summary>A page the end-session page loads in a hidden iframe, with iss and sid (OIDC Front-Channel Logout 1.0).</summary>
    public Uri? FrontChannelLogoutUri { get; set; }

    public bool FrontChannelLogoutSessionRequired { get; set; }

    /// <summary>
    /// How the client authenticates (RFC 7591 2): client_secret_basic, client_secret_post, private_key_jwt (RFC 7523,
    /// with <see cref="Jwks"/> or <see cref="JwksUri"/>) or none (a public client). Unset: none for a public client,
    /// client_secret_basic for a confidential one.
    /// </summary>
    public string? TokenEndpointAuthMethod { get; set; }

    /// <summary>A private_key_jwt client's public keys: a JWK Set as JSON text (RFC 7517 5).</summary>
    public string? Jwks { get; set; }

    /// <summary>Where a private_key_jwt client publishes its JWK Set (https); fetched and cached by this server.</summary>
    public Uri? JwksUri { get; set; }

    /// <summary>
    /// With the token-exchange grant: the resources (API scopes' resource identifiers) this client may exchange a
    /// user's access token for (RFC 8693 2.1 resource/audience), the token having been sent to its own <see cref="Resource"/>.
    /// </summary>
    public List<string> TokenExchangeAudiences { get; set; } = [];
}

public sealed class ApiScopeSeed
{
    public string DisplayName { get; set; } = "";

    /// <summary>
    /// An absolute URI in its normal form: the API's public base URL (BoardApi's is its Auth:Audience). Left unset
    /// for the account and admin scopes, whose resources are this server's own APIs, derived from the issuer.
    /// </summary>
    public string Resource { get; set; } = "";
}

public sealed class DemoUserSeed
{
    public string Email { get; set; } = "";

    public string Password { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public DateOnly? BirthDate { get; set; }

    public List<string> Roles { get; set; } = [];
}
