using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Connect;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.DPoP;

/// <summary>
/// Which DPoP key a token request proved (kept in the OpenIddict transaction), and which key a code or refresh token is
/// bound to (a claim that never leaves the server: no destination).
/// </summary>
public static class DPoPBinding
{
    /// <summary>On a refresh token of a public client, and on a code requested with dpop_jkt (RFC 9449 10).</summary>
    public const string BoundKeyClaim = "redisjwt_dpop_jkt";

    private const string ThumbprintProperty = ".redisjwt_dpop_jkt";
    private const string BindRefreshTokenProperty = ".redisjwt_dpop_bind_refresh";

    public static void Record(OpenIddictServerTransaction transaction, string thumbprint, bool bindRefreshToken)
    {
        transaction.Properties[ThumbprintProperty] = thumbprint;
        transaction.Properties[BindRefreshTokenProperty] = bindRefreshToken;
    }

    /// <summary>The key this token request proved, or null (no proof).</summary>
    public static string? ProvedKey(OpenIddictServerTransaction transaction) =>
        transaction.Properties.TryGetValue(ThumbprintProperty, out var value) ? value as string : null;

    public static bool BindsRefreshToken(OpenIddictServerTransaction transaction) =>
        transaction.Properties.TryGetValue(BindRefreshTokenProperty, out var value) && value is true;

    /// <summary>RFC 9449 section 10: the authorization request's <c>dpop_jkt</c>.</summary>
    public const string CodeBindingParameter = "dpop_jkt";

    /// <summary>Binds the code to the request's dpop_jkt, if any; a malformed one is refused (the reason is returned).</summary>
    public static string? BindCode(ClaimsPrincipal principal, OpenIddictRequest request)
    {
        if ((string?)request[CodeBindingParameter] is not { } thumbprint)
        {
            return null;
        }

        // A SHA-256 JWK thumbprint (RFC 7638) in base64url: 43 characters.
        if (thumbprint.Length != 43 || !thumbprint.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return "dpop_jkt must be the base64url SHA-256 thumbprint of a JWK (RFC 9449 10, RFC 7638).";
        }

        principal.SetClaim(BoundKeyClaim, thumbprint);
        return null;
    }

    /// <summary>
    /// A code or refresh token bound to a key is redeemed only with a proof of that key (RFC 9449 5 and 10.1): a thief
    /// holding the token alone gets nothing, and the token is not spent by the attempt.
    /// </summary>
    public static IResult? Refusal(ClaimsPrincipal granted, HttpContext http)
    {
        if (granted.GetClaim(BoundKeyClaim) is not { } bound)
        {
            return null;
        }

        var proved = http.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction is { } transaction ? ProvedKey(transaction) : null;
        return proved is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(bound), Encoding.UTF8.GetBytes(proved))
            ? null
            : OAuthErrors.Forbid(Errors.InvalidGrant, "This grant is bound to a DPoP key; send a DPoP proof made with that key.");
    }
}
