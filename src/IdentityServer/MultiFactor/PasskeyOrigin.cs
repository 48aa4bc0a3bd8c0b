using Microsoft.AspNetCore.Identity;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Whose passkeys these are (the RP ID, WebAuthn 5.1.2) and which origin a ceremony may come from (7.1 step 9, 7.2 step
/// 13): the issuer's host and origin, so that neither a sibling subdomain's page (which a browser lets ask for the
/// parent's passkeys) nor a forged Host header counts; never from a frame of another site. An issuer on an IP address,
/// which cannot be an RP ID (loopback development), leaves both to the request, and the origin must then be the
/// request's own. Identity's default compares the origin with the request's Origin header, which a client chooses
/// (and browsers send as "null" from our no-referrer pages).
/// </summary>
public static class PasskeyOrigin
{
    public static void Configure(IdentityPasskeyOptions options, Uri issuer)
    {
        var pinned = issuer.HostNameType == UriHostNameType.Dns;
        options.ServerDomain = pinned ? issuer.IdnHost : null;
        // As browsers serialize it: the host in punycode (WHATWG URL), the port only when not the scheme's default.
        var issuerOrigin = $"{issuer.Scheme}://{issuer.IdnHost}{(issuer.IsDefaultPort ? "" : $":{issuer.Port}")}";
        options.ValidateOrigin = context => ValueTask.FromResult(!context.CrossOrigin
            && string.Equals(context.Origin, pinned ? issuerOrigin : Of(context.HttpContext.Request), StringComparison.Ordinal));
    }

    /// <summary>The request's origin as a browser serializes it (HTML, "ASCII serialization of an origin").</summary>
    public static string Of(HttpRequest request) => $"{request.Scheme}://{request.Host.ToUriComponent()}";
}
