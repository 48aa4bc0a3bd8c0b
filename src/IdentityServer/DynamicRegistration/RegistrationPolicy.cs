using RedisJwt.IdentityServer.Clients;
using Grants = OpenIddict.Abstractions.OpenIddictConstants.GrantTypes;
using StandardScopes = OpenIddict.Abstractions.OpenIddictConstants.Scopes;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// What a registration may ask for: an initial access token's scope, or open registration's. Checked on top of every
/// <see cref="ClientDescriptors"/> rule (which <see cref="ClientRegistry"/> applies), at registration and at every
/// RFC 7592 update, so a registered client cannot widen itself later.
/// </summary>
/// <param name="RedirectUriPrefixes">
/// Where every URI the client registers (redirect, post-logout, logout) must lie: each prefix an absolute http(s) URI
/// without user information, query or fragment, in normal form, naming its host exactly (no wildcard) and with a path
/// ending in '/'. A URI lies under it when scheme, host and port are equal and its path starts with the prefix's path.
/// Null: anywhere <see cref="ClientDescriptors"/> accepts (open registration).
/// </param>
public sealed record RegistrationPolicy(IReadOnlyList<string> GrantTypes, IReadOnlyList<string> Scopes,
    IReadOnlyList<string>? RedirectUriPrefixes)
{
    /// <summary>
    /// Open registration (DynamicRegistration:AllowOpenRegistration): sign-in clients only (code + PKCE, refresh),
    /// the user's own identity scopes only, never an API scope; users always see the consent page.
    /// </summary>
    public static readonly RegistrationPolicy Open = new([Grants.AuthorizationCode, Grants.RefreshToken],
        [StandardScopes.Profile, StandardScopes.Email], RedirectUriPrefixes: null);

    /// <returns>Why <paramref name="prefix"/> cannot be a redirect URI prefix, or null when it can.</returns>
    public static string? PrefixProblem(string prefix)
    {
        if (!Uri.TryCreate(prefix, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return $"\"{prefix}\" is not an absolute https (or http) URI.";
        }

        if (Uri.CheckHostName(uri.Host) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
        {
            return $"\"{prefix}\" must name one host exactly, without wildcards.";
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || prefix.Contains('#'))
        {
            return $"\"{prefix}\" must have no user information, query or fragment.";
        }

        if (uri.OriginalString != uri.AbsoluteUri)
        {
            return $"\"{prefix}\" must be written in its normal form, \"{uri.AbsoluteUri}\".";
        }

        return uri.AbsolutePath.EndsWith('/') ? null : $"\"{prefix}\" must end in '/' (a path prefix, or the origin followed by '/').";
    }

    /// <returns>Each field of <paramref name="registration"/> outside this policy, by <see cref="ClientRegistration"/> property.</returns>
    public Dictionary<string, string[]> Check(ClientRegistration registration)
    {
        var errors = new Dictionary<string, string[]>();
        if ((registration.GrantTypes ?? []).Where(grant => !GrantTypes.Contains(grant)).ToList() is [_, ..] grants)
        {
            errors[nameof(ClientRegistration.GrantTypes)] = [$"{Quoted(grants)} not allowed to this registration; it may use {Listed(GrantTypes)}."];
        }

        // openid and offline_access follow the grants (authorization_code, refresh_token), checked above.
        if ((registration.Scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(scope => scope is not (StandardScopes.OpenId or StandardScopes.OfflineAccess) && !Scopes.Contains(scope)).ToList() is [_, ..] scopes)
        {
            errors[nameof(ClientRegistration.Scopes)] = [$"{Quoted(scopes)} not allowed to this registration; it may ask for {Listed(Scopes)}."];
        }

        if (RedirectUriPrefixes is null)
        {
            return errors;
        }

        foreach (var (field, uris) in new (string, IEnumerable<string?>)[]
        {
            (nameof(ClientRegistration.RedirectUris), registration.RedirectUris ?? []),
            (nameof(ClientRegistration.PostLogoutRedirectUris), registration.PostLogoutRedirectUris ?? []),
            (nameof(ClientRegistration.BackChannelLogoutUri), [registration.BackChannelLogoutUri]),
            (nameof(ClientRegistration.FrontChannelLogoutUri), [registration.FrontChannelLogoutUri]),
        })
        {
            if (uris.Where(uri => !string.IsNullOrEmpty(uri) && !IsAllowed(uri)).ToList() is [_, ..] outside)
            {
                errors[field] = [$"{Quoted(outside!)} outside what this registration allows: {Listed(RedirectUriPrefixes)}."];
            }
        }

        return errors;
    }

    private bool IsAllowed(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo.Length == 0
        // Browsers read %2e%2e as "..": a path that climbs out of the prefix after the check.
        && !uri.AbsolutePath.Contains("%2e", StringComparison.OrdinalIgnoreCase)
        && RedirectUriPrefixes!.Any(prefix => Uri.TryCreate(prefix, UriKind.Absolute, out var allowed)
            && uri.Scheme == allowed.Scheme && uri.Host == allowed.Host && uri.Port == allowed.Port
            && uri.AbsolutePath.StartsWith(allowed.AbsolutePath, StringComparison.Ordinal));

    private static string Quoted(IEnumerable<string> values) => string.Join(", ", values.Select(value => $"\"{value}\""));

    private static string Listed(IEnumerable<string> values) => values.Any() ? string.Join(" ", values) : "none";
}
