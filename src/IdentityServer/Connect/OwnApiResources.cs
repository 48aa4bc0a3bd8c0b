using RedisJwt.IdentityServer.Admin;
using RedisJwt.IdentityServer.AuthApi;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>
/// The resource identifiers (RFC 8707 2: absolute URIs, the <c>aud</c> of their tokens) of the two APIs this server
/// serves itself, derived from the issuer, so no other deployment's are the same: the account API is
/// <c>{issuer}auth</c> (/auth/me, /auth/sessions, ...) and the admin API <c>{issuer}admin</c> (/admin/clients).
/// </summary>
public static class OwnApiResources
{
    public static string Account(Uri issuer) => Under(issuer, "auth");

    public static string Admin(Uri issuer) => Under(issuer, "admin");

    /// <summary>The scope of each own API and its resource; the seed's resource for these scopes is this one.</summary>
    public static IReadOnlyDictionary<string, string> ByScope(Uri issuer) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [AuthApiSettings.AccountScope] = Account(issuer),
        [AdminSetup.AdminScope] = Admin(issuer),
    };

    // The issuer as OpenIddict writes it (its normal form, a path ending in '/'), then the API's path.
    private static string Under(Uri issuer, string path) => issuer.AbsoluteUri.TrimEnd('/') + "/" + path;
}
