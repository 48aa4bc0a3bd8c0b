using System.Security.Claims;
using System.Security.Cryptography;

namespace RedisJwt.IdentityServer.Sessions;

/// <summary>
/// The login session id (<c>sid</c>, OIDC Front-Channel Logout 1.0 section 3): minted at sign-in, kept in the
/// Identity cookie and copied into every ID, access and refresh token issued in that session, so a session
/// can later be revoked as a whole.
/// </summary>
public static class SessionClaims
{
    public const string SessionId = "sid";

    public static string NewSessionId() => Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    public static string? GetSessionId(this ClaimsPrincipal principal) => principal.FindFirst(SessionId)?.Value;

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
