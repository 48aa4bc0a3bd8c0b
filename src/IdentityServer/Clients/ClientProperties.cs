using System.Text.Json;
using OpenIddict.Abstractions;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// Client metadata beyond OpenIddict's own columns, kept in the application's properties under their RFC 7591 / OIDC
/// Dynamic Client Registration names. Each is an on/off flag, absent when off, but the resource server's resource.
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

    /// <summary>
    /// A resource server's own resource identifier (RFC 9728's name for it): the client may introspect the access
    /// tokens issued for that resource (see <see cref="Connect.IntrospectionByResourceServer"/>).
    /// </summary>
    public const string Resource = "resource";

    public static void SetResource(OpenIddictApplicationDescriptor descriptor, string? resource)
    {
        if (string.IsNullOrEmpty(resource))
        {
            descriptor.Properties.Remove(Resource);
        }
        else
        {
            descriptor.Properties[Resource] = JsonSerializer.SerializeToElement(resource);
        }
    }

    public static async ValueTask<string?> ResourceAsync(IOpenIddictApplicationManager applications, object application) =>
        (await applications.GetPropertiesAsync(application)).TryGetValue(Resource, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
