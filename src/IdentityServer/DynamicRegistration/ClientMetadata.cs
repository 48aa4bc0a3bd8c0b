using System.Text.Json;
using System.Text.Json.Serialization;
using RedisJwt.IdentityServer.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// Client metadata as a client sends it to /connect/register (RFC 7591 2) or in an RFC 7592 update. Fields it does
/// not know are ignored (RFC 7591 2); so is a client_id at registration, which the server picks.
/// </summary>
public sealed class ClientMetadata
{
    /// <summary>Only in an update, where it must be the client's own (RFC 7592 2.2).</summary>
    [JsonPropertyName("client_id")]
    public string? ClientId { get; set; }

    [JsonPropertyName("client_name")]
    public string? ClientName { get; set; }

    [JsonPropertyName("redirect_uris")]
    public List<string>? RedirectUris { get; set; }

    [JsonPropertyName("post_logout_redirect_uris")]
    public List<string>? PostLogoutRedirectUris { get; set; }

    [JsonPropertyName("grant_types")]
    public List<string>? GrantTypes { get; set; }

    [JsonPropertyName("response_types")]
    public List<string>? ResponseTypes { get; set; }

    [JsonPropertyName("token_endpoint_auth_method")]
    public string? TokenEndpointAuthMethod { get; set; }

    [JsonPropertyName("scope")]
    public string? Scope { get; set; }

    /// <summary>A private_key_jwt client's public keys (RFC 7591 2), or <see cref="JwksUri"/>.</summary>
    [JsonPropertyName("jwks")]
    public JsonElement? Jwks { get; set; }

    [JsonPropertyName("jwks_uri")]
    public string? JwksUri { get; set; }

    [JsonPropertyName("require_auth_time")]
    public bool? RequireAuthTime { get; set; }

    [JsonPropertyName("require_mfa")]
    public bool? RequireMfa { get; set; }

    [JsonPropertyName("require_pushed_authorization_requests")]
    public bool? RequirePushedAuthorizationRequests { get; set; }

    [JsonPropertyName("dpop_bound_access_tokens")]
    public bool? DPoPBoundAccessTokens { get; set; }

    [JsonPropertyName("backchannel_logout_uri")]
    public string? BackChannelLogoutUri { get; set; }

    [JsonPropertyName("backchannel_logout_session_required")]
    public bool? BackChannelLogoutSessionRequired { get; set; }

    [JsonPropertyName("frontchannel_logout_uri")]
    public string? FrontChannelLogoutUri { get; set; }

    [JsonPropertyName("frontchannel_logout_session_required")]
    public bool? FrontChannelLogoutSessionRequired { get; set; }
}

/// <summary>
/// RFC 7591 metadata → <see cref="ClientRegistration"/>, the one place the two meet, so that every
/// <see cref="ClientDescriptors"/> rule applies through <see cref="ClientRegistry"/> (the authentication method and
/// its keys included: client_secret_jwt and unknown methods are refused there).
/// </summary>
public static class ClientMetadataMapping
{
    /// <returns>The registration, or the field and why it cannot be registered (invalid_client_metadata).</returns>
    public static (ClientRegistration? Registration, string? Field, string? Problem) ToRegistration(string clientId, ClientMetadata metadata)
    {
        // RFC 7591 2: client_secret_basic when absent.
        var method = metadata.TokenEndpointAuthMethod ?? ClientAuthenticationMethods.ClientSecretBasic;
        // RFC 7591 2.1: authorization_code when absent; response_types and grant_types must agree.
        var grants = metadata.GrantTypes ?? [GrantTypes.AuthorizationCode];
        var responses = metadata.ResponseTypes ?? (grants.Contains(GrantTypes.AuthorizationCode) ? [ResponseTypes.Code] : []);
        if (responses.Any(response => response != ResponseTypes.Code))
        {
            return (null, "response_types", "only \"code\" is supported (the implicit and hybrid flows are not, RFC 9700 2.1.2).");
        }

        if (responses.Contains(ResponseTypes.Code) != grants.Contains(GrantTypes.AuthorizationCode))
        {
            return (null, "response_types", "\"code\" goes with the authorization_code grant, and only with it (RFC 7591 2.1).");
        }

        return (new ClientRegistration
        {
            ClientId = clientId,
            DisplayName = metadata.ClientName,
            Type = method == ClientAuthenticationMethods.None ? "public" : "confidential",
            TokenEndpointAuthMethod = method,
            Jwks = metadata.Jwks,
            JwksUri = metadata.JwksUri,
            // A third party does not decide whether users are asked: they always are.
            ConsentType = "explicit",
            GrantTypes = grants,
            RedirectUris = metadata.RedirectUris,
            PostLogoutRedirectUris = metadata.PostLogoutRedirectUris,
            Scopes = metadata.Scope,
            // A resource server (introspection) is the operator's to declare, not a registration's.
            Introspection = false,
            RequireAuthTime = metadata.RequireAuthTime,
            RequireMfa = metadata.RequireMfa,
            RequirePushedAuthorizationRequests = metadata.RequirePushedAuthorizationRequests,
            RequireDPoP = metadata.DPoPBoundAccessTokens,
            BackChannelLogoutUri = metadata.BackChannelLogoutUri,
            BackChannelLogoutSessionRequired = metadata.BackChannelLogoutSessionRequired,
            FrontChannelLogoutUri = metadata.FrontChannelLogoutUri,
            FrontChannelLogoutSessionRequired = metadata.FrontChannelLogoutSessionRequired,
        }, null, null);
    }

    /// <summary>The RFC 7591 name of a <see cref="ClientRegistration"/> property, for an error naming the field.</summary>
    public static string FieldOf(string property) => property switch
    {
        nameof(ClientRegistration.Type) => "token_endpoint_auth_method",
        ClientDescriptors.ClientIdField => "client_id",
        _ => typeof(ClientRegistration).GetProperty(property)?
            .GetCustomAttributes(typeof(JsonPropertyNameAttribute), false).OfType<JsonPropertyNameAttribute>().FirstOrDefault()?.Name ?? property,
    };
}
