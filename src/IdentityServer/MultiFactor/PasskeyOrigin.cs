using Microsoft.AspNetCore.Identity;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// Which origin a passkey ceremony may come from (WebAuthn 7.1 step 9, 7.2 step 13): this server's own, as the request
/// reached it (behind the proxy, the forwarded scheme and host), never from a frame of another site. Identity's default
/// compares it with the request's Origin header instead, which browsers send as "null" on a form post from a page
/// whose Referrer-Policy is no-referrer, as all of ours are (Operations/SecurityHeaders).
/// </summary>
public static class PasskeyOrigin
{
    public static ValueTask<bool> IsThisServerAsync(PasskeyOriginValidationContext context) =>
        ValueTask.FromResult(!context.CrossOrigin && string.Equals(context.Origin, Of(context.HttpContext.Request), StringComparison.Ordinal));

    /// <summary>The request's origin as a browser serializes it (HTML, "ASCII serialization of an origin").</summary>
    public static string Of(HttpRequest request) => $"{request.Scheme}://{request.Host.ToUriComponent()}";
}
