using System.Text.Json;
using System.Text.Json.Serialization;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// A client as an admin registers or replaces it (POST and PUT /admin/clients, the clients CLI). Field names follow
/// RFC 7591 (dynamic client registration); property names follow <see cref="ClientSeed"/>, so a rule broken on a
/// property is reported under the JSON name of the same property here.
/// </summary>
public sealed class ClientRegistration
{
    [JsonPropertyName("client_id")]
    public string? ClientId { get; set; }

    [JsonPropertyName("client_name")]
    public string? DisplayName { get; set; }

    /// <summary>public or confidential; fixed once the client exists.</summary>
    [JsonPropertyName("client_type")]
    public string? Type { get; set; }

    /// <summary>implicit or explicit (the default).</summary>
    [JsonPropertyName("consent_type")]
    public string? ConsentType { get; set; }

    [JsonPropertyName("grant_types")]
    public List<string>? GrantTypes { get; set; }

    [JsonPropertyName("redirect_uris")]
    public List<string>? RedirectUris { get; set; }

    [JsonPropertyName("post_logout_redirect_uris")]
    public List<string>? PostLogoutRedirectUris { get; set; }

    /// <summary>Space-separated, as in RFC 7591 and token requests.</summary>
    [JsonPropertyName("scope")]
    public string? Scopes { get; set; }

    /// <summary>A resource server that may call the introspection endpoint.</summary>
    [JsonPropertyName("introspection")]
    public bool? Introspection { get; set; }

    /// <summary>ID tokens always carry auth_time, not only when the request has max_age.</summary>
    [JsonPropertyName("require_auth_time")]
    public bool? RequireAuthTime { get; set; }

    /// <summary>Every sign-in to this client must be multi-factor.</summary>
    [JsonPropertyName("require_mfa")]
    public bool? RequireMfa { get; set; }

    /// <summary>Authorization requests only through the pushed authorization endpoint (RFC 9126 section 6).</summary>
    [JsonPropertyName("require_pushed_authorization_requests")]
    public bool? RequirePushedAuthorizationRequests { get; set; }

    /// <summary>Every token request carries a DPoP proof, so every access token is sender-constrained (RFC 9449 5.2).</summary>
    [JsonPropertyName("dpop_bound_access_tokens")]
    public bool? RequireDPoP { get; set; }

    /// <summary>OIDC Back-Channel Logout 1.0 section 2.2; empty or null: none.</summary>
    [JsonPropertyName("backchannel_logout_uri")]
    public string? BackChannelLogoutUri { get; set; }

    [JsonPropertyName("backchannel_logout_session_required")]
    public bool? BackChannelLogoutSessionRequired { get; set; }

    /// <summary>OIDC Front-Channel Logout 1.0 section 2; empty or null: none.</summary>
    [JsonPropertyName("frontchannel_logout_uri")]
    public string? FrontChannelLogoutUri { get; set; }

    [JsonPropertyName("frontchannel_logout_session_required")]
    public bool? FrontChannelLogoutSessionRequired { get; set; }

    /// <summary>client_secret_basic, client_secret_post, private_key_jwt or none (RFC 7591 2); unset: from client_type.</summary>
    [JsonPropertyName("token_endpoint_auth_method")]
    public string? TokenEndpointAuthMethod { get; set; }

    /// <summary>A private_key_jwt client's public keys, a JWK Set (RFC 7517 5).</summary>
    [JsonPropertyName("jwks")]
    public JsonElement? Jwks { get; set; }

    /// <summary>Where a private_key_jwt client publishes its JWK Set (https).</summary>
    [JsonPropertyName("jwks_uri")]
    public string? JwksUri { get; set; }

    /// <summary>With the token-exchange grant: the resources it may exchange users' tokens towards (RFC 8693 2.1).</summary>
    [JsonPropertyName("token_exchange_audiences")]
    public List<string>? TokenExchangeAudiences { get; set; }
}

/// <summary>A registered client as the API and CLI show it. Never its secret, except once in <see cref="ClientSecret"/>.</summary>
public sealed record ClientView(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_name")] string DisplayName,
    [property: JsonPropertyName("client_type")] string Type,
    [property: JsonPropertyName("consent_type")] string ConsentType,
    [property: JsonPropertyName("grant_types")] IReadOnlyList<string> GrantTypes,
    [property: JsonPropertyName("redirect_uris")] IReadOnlyList<string> RedirectUris,
    [property: JsonPropertyName("post_logout_redirect_uris")] IReadOnlyList<string> PostLogoutRedirectUris,
    [property: JsonPropertyName("scope")] string Scopes,
    [property: JsonPropertyName("introspection")] bool Introspection,
    [property: JsonPropertyName("require_auth_time")] bool RequireAuthTime,
    [property: JsonPropertyName("require_mfa")] bool RequireMfa,
    [property: JsonPropertyName("require_pushed_authorization_requests")] bool RequirePushedAuthorizationRequests,
    [property: JsonPropertyName("dpop_bound_access_tokens")] bool RequireDPoP,
    [property: JsonPropertyName("backchannel_logout_uri")] string? BackChannelLogoutUri,
    [property: JsonPropertyName("backchannel_logout_session_required")] bool BackChannelLogoutSessionRequired,
    [property: JsonPropertyName("frontchannel_logout_uri")] string? FrontChannelLogoutUri,
    [property: JsonPropertyName("frontchannel_logout_session_required")] bool FrontChannelLogoutSessionRequired,
    // Seeded from Seed:Clients at every start: the API and CLI leave such a client alone (409).
    [property: JsonPropertyName("managed_by_configuration")] bool ManagedByConfiguration)
{
    /// <summary>Only in the answer that created or rotated it: it is stored hashed and cannot be shown again.</summary>
    [JsonPropertyName("client_secret"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientSecret { get; init; }

    [JsonPropertyName("token_endpoint_auth_method")]
    public string TokenEndpointAuthMethod { get; init; } = "";

    /// <summary>A private_key_jwt client's public keys, as registered inline.</summary>
    [JsonPropertyName("jwks"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Jwks { get; init; }

    [JsonPropertyName("jwks_uri"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? JwksUri { get; init; }

    /// <summary>With the token-exchange grant: the resources it may exchange users' tokens towards (RFC 8693 2.1).</summary>
    [JsonPropertyName("token_exchange_audiences")]
    public IReadOnlyList<string> TokenExchangeAudiences { get; init; } = [];

    public ClientRegistration ToRegistration() => new()
    {
        ClientId = ClientId,
        DisplayName = DisplayName,
        Type = Type,
        ConsentType = ConsentType,
        GrantTypes = [.. GrantTypes],
        RedirectUris = [.. RedirectUris],
        PostLogoutRedirectUris = [.. PostLogoutRedirectUris],
        Scopes = Scopes,
        Introspection = Introspection,
        RequireAuthTime = RequireAuthTime,
        RequireMfa = RequireMfa,
        RequirePushedAuthorizationRequests = RequirePushedAuthorizationRequests,
        RequireDPoP = RequireDPoP,
        BackChannelLogoutUri = BackChannelLogoutUri,
        BackChannelLogoutSessionRequired = BackChannelLogoutSessionRequired,
        FrontChannelLogoutUri = FrontChannelLogoutUri,
        FrontChannelLogoutSessionRequired = FrontChannelLogoutSessionRequired,
        TokenEndpointAuthMethod = TokenEndpointAuthMethod,
        Jwks = Jwks,
        JwksUri = JwksUri,
        TokenExchangeAudiences = [.. TokenExchangeAudiences],
    };
}

public enum ClientOutcome
{
    Done,
    NotFound,
    Invalid,
    Duplicate,
    ManagedByConfiguration,
    /// <summary>Changed by someone else meanwhile (OpenIddict's concurrency token); nothing was saved.</summary>
    Conflict,
    /// <summary>Redis could not record the revocations of a removed client; nothing was changed.</summary>
    Unavailable,
}

/// <param name="Errors">For <see cref="ClientOutcome.Invalid"/>: messages by <see cref="ClientRegistration"/> property.</param>
public sealed record ClientResult(ClientOutcome Outcome, ClientView? Client = null,
    IReadOnlyDictionary<string, string[]>? Errors = null, string? Detail = null);
