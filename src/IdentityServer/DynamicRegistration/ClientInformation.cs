using System.Text.Json;
using System.Text.Json.Serialization;
using RedisJwt.IdentityServer.Clients;
using Grants = OpenIddict.Abstractions.OpenIddictConstants.GrantTypes;
using Responses = OpenIddict.Abstractions.OpenIddictConstants.ResponseTypes;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// The client information response (RFC 7591 3.2.1, RFC 7592 3): the client's id, its secret and registration access
/// token only when just made, where to manage it, and the metadata as registered (defaults applied).
/// </summary>
public sealed record ClientInformation(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_id_issued_at")] long ClientIdIssuedAt,
    [property: JsonPropertyName("registration_client_uri")] string RegistrationClientUri,
    [property: JsonPropertyName("client_name")] string ClientName,
    [property: JsonPropertyName("token_endpoint_auth_method")] string TokenEndpointAuthMethod,
    [property: JsonPropertyName("grant_types")] IReadOnlyList<string> GrantTypes,
    [property: JsonPropertyName("response_types")] IReadOnlyList<string> ResponseTypes,
    [property: JsonPropertyName("redirect_uris")] IReadOnlyList<string> RedirectUris,
    [property: JsonPropertyName("post_logout_redirect_uris")] IReadOnlyList<string> PostLogoutRedirectUris,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("require_auth_time")] bool RequireAuthTime,
    [property: JsonPropertyName("require_mfa")] bool RequireMfa,
    [property: JsonPropertyName("require_pushed_authorization_requests")] bool RequirePushedAuthorizationRequests,
    [property: JsonPropertyName("dpop_bound_access_tokens")] bool DPoPBoundAccessTokens,
    [property: JsonPropertyName("backchannel_logout_uri"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BackChannelLogoutUri,
    [property: JsonPropertyName("backchannel_logout_session_required")] bool BackChannelLogoutSessionRequired,
    [property: JsonPropertyName("frontchannel_logout_uri"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? FrontChannelLogoutUri,
    [property: JsonPropertyName("frontchannel_logout_session_required")] bool FrontChannelLogoutSessionRequired,
    [property: JsonPropertyName("jwks"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Jwks,
    [property: JsonPropertyName("jwks_uri"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? JwksUri)
{
    [JsonPropertyName("client_secret"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientSecret { get; init; }

    /// <summary>0: the secret does not expire (RFC 7591 3.2.1); present whenever a secret is.</summary>
    [JsonPropertyName("client_secret_expires_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ClientSecretExpiresAt => ClientSecret is null ? null : 0;

    [JsonPropertyName("registration_access_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RegistrationAccessToken { get; init; }

    public static ClientInformation Of(ClientView client, DynamicClient registration, string registrationClientUri) => new(
        client.ClientId, registration.IssuedAt.ToUnixTimeSeconds(), registrationClientUri, client.DisplayName,
        client.TokenEndpointAuthMethod, client.GrantTypes,
        client.GrantTypes.Contains(Grants.AuthorizationCode) ? [Responses.Code] : [],
        client.RedirectUris, client.PostLogoutRedirectUris, client.Scopes, client.RequireAuthTime, client.RequireMfa,
        client.RequirePushedAuthorizationRequests, client.RequireDPoP, client.BackChannelLogoutUri, client.BackChannelLogoutSessionRequired,
        client.FrontChannelLogoutUri, client.FrontChannelLogoutSessionRequired, client.Jwks, client.JwksUri);
}
