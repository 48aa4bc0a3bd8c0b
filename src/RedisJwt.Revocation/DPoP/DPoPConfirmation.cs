using System.Security.Claims;
using System.Text.Json;

namespace RedisJwt.Revocation.DPoP;

/// <summary>The <c>cnf</c> claim binding an access token to a DPoP key (RFC 9449 6, RFC 7800).</summary>
public static class DPoPConfirmation
{
    /// <summary>The confirmation claim (RFC 7800 3.1).</summary>
    public const string ClaimType = "cnf";

    private const string ThumbprintMember = "jkt";

    // The mTLS binding (RFC 8705 3.1), which OpenIddict checks itself.
    private const string CertificateMember = "x5t#S256";

    /// <summary>
    /// The <c>jkt</c> (JWK SHA-256 thumbprint) of <paramref name="principal"/>'s <c>cnf</c> claim, whose value is a JSON
    /// object (claim value type "JSON", as OpenIddict stores JSON claims); null when it has no such claim or member.
    /// </summary>
    public static string? ThumbprintOf(ClaimsPrincipal principal) => Read(principal).Thumbprint;

    /// <summary>The <c>cnf</c> value binding a token to the key whose thumbprint is <paramref name="thumbprint"/>: <c>{"jkt": thumbprint}</c>.</summary>
    public static JsonElement ClaimFor(string thumbprint) =>
        JsonSerializer.SerializeToElement(new Dictionary<string, string> { [ThumbprintMember] = thumbprint });

    /// <summary>The DPoP thumbprint, and whether the token is also bound to a client certificate.</summary>
    internal static (string? Thumbprint, bool Certificate) Read(ClaimsPrincipal principal)
    {
        // More than one cnf is no binding anyone can rely on: the first is read, like OpenIddict's GetClaim does.
        if (principal.FindFirst(ClaimType)?.Value is not { Length: > 0 } value)
        {
            return (null, false);
        }

        try
        {
            using var confirmation = JsonDocument.Parse(value);
            if (confirmation.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, false);
            }

            var thumbprint = confirmation.RootElement.TryGetProperty(ThumbprintMember, out var jkt) && jkt.ValueKind == JsonValueKind.String
                ? jkt.GetString()
                : null;
            return (thumbprint is { Length: > 0 } ? thumbprint : null, confirmation.RootElement.TryGetProperty(CertificateMember, out _));
        }
        catch (JsonException)
        {
            return (null, false);
        }
    }
}
