using System.Text.Json;
using OpenIddict.Abstractions;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// Client metadata beyond OpenIddict's own columns, kept in the application's properties under their RFC 7591 / OIDC
/// Dynamic Client Registration names. Each is an on/off flag, absent when off, or a text (a URI), absent when none.
/// </summary>
public static class ClientProperties
{
    /// <summary>OIDC Dynamic Client Registration 1.0 section 2: ID tokens to this client always carry auth_time.</summary>
    public const string RequireAuthTime = "require_auth_time";

    /// <summary>Ours, not a registered name: every sign-in to this client must be multi-factor.</summary>
    public const string RequireMfa = "require_mfa";

    /// <summary>RFC 9449 section 5.2: the client always uses DPoP, so a token request without a proof is refused.</summary>
    public const string DPoPBoundAccessTokens = "dpop_bound_access_tokens";

    public static void SetRequireAuthTime(OpenIddictApplicationDescriptor descriptor, bool required) =>
        SetFlag(descriptor, RequireAuthTime, required);

    public static bool RequiresAuthTime(OpenIddictApplicationDescriptor descriptor) => HasFlag(descriptor, RequireAuthTime);

    public static ValueTask<bool> RequiresAuthTimeAsync(IOpenIddictApplicationManager applications, object application) =>
        HasFlagAsync(applications, application, RequireAuthTime);

    public static void SetRequireMfa(OpenIddictApplicationDescriptor descriptor, bool required) =>
        SetFlag(descriptor, RequireMfa, required);

    public static bool RequiresMfa(OpenIddictApplicationDescriptor descriptor) => HasFlag(descriptor, RequireMfa);

    public static ValueTask<bool> RequiresMfaAsync(IOpenIddictApplicationManager applications, object application) =>
        HasFlagAsync(applications, application, RequireMfa);

    public static void SetRequireDPoP(OpenIddictApplicationDescriptor descriptor, bool required) =>
        SetFlag(descriptor, DPoPBoundAccessTokens, required);

    public static bool RequiresDPoP(OpenIddictApplicationDescriptor descriptor) => HasFlag(descriptor, DPoPBoundAccessTokens);

    public static ValueTask<bool> RequiresDPoPAsync(IOpenIddictApplicationManager applications, object application) =>
        HasFlagAsync(applications, application, DPoPBoundAccessTokens);

    private static void SetFlag(OpenIddictApplicationDescriptor descriptor, string name, bool on)
    {
        if (on)
        {
            descriptor.Properties[name] = JsonSerializer.SerializeToElement(true);
        }
        else
        {
            descriptor.Properties.Remove(name);
        }
    }

    private static bool HasFlag(OpenIddictApplicationDescriptor descriptor, string name) =>
        descriptor.Properties.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static async ValueTask<bool> HasFlagAsync(IOpenIddictApplicationManager applications, object application, string name) =>
        (await applications.GetPropertiesAsync(application)).TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>OIDC Back-Channel Logout 1.0 section 2.2: where logout tokens are POSTed when a session the client took part in ends.</summary>
    public const string BackChannelLogoutUri = "backchannel_logout_uri";

    /// <summary>Back-Channel Logout 1.0 section 2.2: the client needs the sid in every logout token.</summary>
    public const string BackChannelLogoutSessionRequired = "backchannel_logout_session_required";

    /// <summary>OIDC Front-Channel Logout 1.0 section 2: the page the end-session page loads in an iframe.</summary>
    public const string FrontChannelLogoutUri = "frontchannel_logout_uri";

    /// <summary>Front-Channel Logout 1.0 section 2: iss and sid in the iframe's URL (we always send them).</summary>
    public const string FrontChannelLogoutSessionRequired = "frontchannel_logout_session_required";

    public static void SetLogout(OpenIddictApplicationDescriptor descriptor, ClientSeed seed)
    {
        SetText(descriptor, BackChannelLogoutUri, seed.BackChannelLogoutUri?.AbsoluteUri);
        SetFlag(descriptor, BackChannelLogoutSessionRequired, seed.BackChannelLogoutSessionRequired);
        SetText(descriptor, FrontChannelLogoutUri, seed.FrontChannelLogoutUri?.AbsoluteUri);
        SetFlag(descriptor, FrontChannelLogoutSessionRequired, seed.FrontChannelLogoutSessionRequired);
    }

    public static string? Text(OpenIddictApplicationDescriptor descriptor, string name) =>
        descriptor.Properties.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool Flag(OpenIddictApplicationDescriptor descriptor, string name) => HasFlag(descriptor, name);

    /// <summary>A URI the client registered (a logout URI), or null.</summary>
    public static async ValueTask<Uri?> UriAsync(IOpenIddictApplicationManager applications, string clientId, string name,
        CancellationToken cancellationToken = default) =>
        await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application
        && (await applications.GetPropertiesAsync(application, cancellationToken)).TryGetValue(name, out var value)
        && value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri)
            ? uri
            : null;

    /// <summary>
    /// A resource server's own resource identifier (RFC 9728's name for it): the client may introspect the access
    /// tokens issued for that resource (see <see cref="Connect.IntrospectionByResourceServer"/>).
    /// </summary>
    public const string Resource = "resource";

    public static void SetResource(OpenIddictApplicationDescriptor descriptor, string? resource) =>
        SetText(descriptor, Resource, resource);

    private static void SetText(OpenIddictApplicationDescriptor descriptor, string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            descriptor.Properties.Remove(name);
        }
        else
        {
            descriptor.Properties[name] = JsonSerializer.SerializeToElement(value);
        }
    }

    /// <summary>
    /// Ours, after RFC 8693 2.1's resource and audience: the APIs the client may exchange a user's access token
    /// towards (see <see cref="TokenExchange.TokenExchangeGrant"/>). A JSON array, absent when empty.
    /// </summary>
    public const string TokenExchangeAudiences = "token_exchange_audiences";

    public static void SetTokenExchangeAudiences(OpenIddictApplicationDescriptor descriptor, IReadOnlyCollection<string> audiences)
    {
        if (audiences.Count == 0)
        {
            descriptor.Properties.Remove(TokenExchangeAudiences);
        }
        else
        {
            descriptor.Properties[TokenExchangeAudiences] = JsonSerializer.SerializeToElement(audiences.Order(StringComparer.Ordinal));
        }
    }

    public static IReadOnlyList<string> ExchangeAudiences(OpenIddictApplicationDescriptor descriptor) =>
        descriptor.Properties.TryGetValue(TokenExchangeAudiences, out var value) ? Strings(value) : [];

    public static async ValueTask<IReadOnlyList<string>> ExchangeAudiencesAsync(IOpenIddictApplicationManager applications, object application) =>
        (await applications.GetPropertiesAsync(application)).TryGetValue(TokenExchangeAudiences, out var value) ? Strings(value) : [];

    private static IReadOnlyList<string> Strings(JsonElement value) => value.ValueKind == JsonValueKind.Array
        ? [.. value.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.String).Select(item => item.GetString()!)]
        : [];

    public static async ValueTask<string?> ResourceAsync(IOpenIddictApplicationManager applications, object application) =>
        (await applications.GetPropertiesAsync(application)).TryGetValue(Resource, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>
    /// RFC 7591 2: how the client authenticates at the token endpoint (and every other that authenticates clients):
    /// client_secret_basic, client_secret_post, private_key_jwt or none. Absent on clients registered before it existed:
    /// none for a public client, client_secret_basic for a confidential one (RFC 7591's default).
    /// </summary>
    public const string TokenEndpointAuthMethod = "token_endpoint_auth_method";

    /// <summary>RFC 7591 2: where a private_key_jwt client publishes its public keys (inline ones are OpenIddict's own JsonWebKeySet).</summary>
    public const string JwksUri = "jwks_uri";

    public static void SetClientKeys(OpenIddictApplicationDescriptor descriptor, ClientSeed seed)
    {
        SetText(descriptor, TokenEndpointAuthMethod, seed.TokenEndpointAuthMethod);
        SetText(descriptor, JwksUri, seed.JwksUri?.AbsoluteUri);
        descriptor.JsonWebKeySet = string.IsNullOrEmpty(seed.Jwks) ? null : new Microsoft.IdentityModel.Tokens.JsonWebKeySet(seed.Jwks);
    }

    public static string AuthMethod(OpenIddictApplicationDescriptor descriptor) =>
        Text(descriptor, TokenEndpointAuthMethod) ?? DefaultAuthMethod(descriptor.ClientType);

    public static async ValueTask<string> TokenEndpointAuthMethodAsync(IOpenIddictApplicationManager applications, object application,
        CancellationToken cancellationToken = default) =>
        (await applications.GetPropertiesAsync(application, cancellationToken)).TryGetValue(TokenEndpointAuthMethod, out var value)
        && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : DefaultAuthMethod(await applications.GetClientTypeAsync(application, cancellationToken));

    public static async ValueTask<Uri?> JwksUriAsync(IOpenIddictApplicationManager applications, object application,
        CancellationToken cancellationToken = default) =>
        (await applications.GetPropertiesAsync(application, cancellationToken)).TryGetValue(JwksUri, out var value)
        && value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri)
            ? uri
            : null;

    private static string DefaultAuthMethod(string? clientType) => clientType == OpenIddictConstants.ClientTypes.Public
        ? OpenIddictConstants.ClientAuthenticationMethods.None
        : OpenIddictConstants.ClientAuthenticationMethods.ClientSecretBasic;
}
