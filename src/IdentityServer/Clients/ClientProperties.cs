using System.Text.Json;
using OpenIddict.Abstractions;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// Client metadata beyond OpenIddict's own columns, kept in the application's properties under their RFC 7591 / OIDC
/// Dynamic Client Registration names.
/// </summary>
public static class ClientProperties
{
    /// <summary>OIDC Dynamic Client Registration 1.0 section 2: ID tokens to this client always carry auth_time.</summary>
    public const string RequireAuthTime = "require_auth_time";

    public static void SetRequireAuthTime(OpenIddictApplicationDescriptor descriptor, bool required)
    {
        if (required)
        {
            descriptor.Properties[RequireAuthTime] = JsonSerializer.SerializeToElement(true);
        }
        else
        {
            descriptor.Properties.Remove(RequireAuthTime);
        }
    }

    public static bool RequiresAuthTime(OpenIddictApplicationDescriptor descriptor) =>
        descriptor.Properties.TryGetValue(RequireAuthTime, out var value) && value.ValueKind == JsonValueKind.True;

    public static async ValueTask<bool> RequiresAuthTimeAsync(IOpenIddictApplicationManager applications, object application) =>
        (await applications.GetPropertiesAsync(application)).TryGetValue(RequireAuthTime, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>Ours, not a registered name: every sign-in to this client must be multi-factor.</summary>
    public const string RequireMfa = "require_mfa";

    public static void SetRequireMfa(OpenIddictApplicationDescriptor descriptor, bool required)
    {
        if (required)
        {
            descriptor.Properties[RequireMfa] = JsonSerializer.SerializeToElement(true);
        }
        else
        {
            descriptor.Properties.Remove(RequireMfa);
        }
    }

    public static bool RequiresMfa(OpenIddictApplicationDescriptor descriptor) =>
        descriptor.Properties.TryGetValue(RequireMfa, out var value) && value.ValueKind == JsonValueKind.True;

    public static async ValueTask<bool> RequiresMfaAsync(IOpenIddictApplicationManager applications, object application) =>
        (await applications.GetPropertiesAsync(application)).TryGetValue(RequireMfa, out var value) && value.ValueKind == JsonValueKind.True;

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
