using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.MultiFactor;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Sessions;

/// <summary>
/// What a sign-in carries from the moment a credential is presented to every token issued in it: the login session id
/// (<c>sid</c>, OIDC Front-Channel Logout 1.0 section 3), so a session can be revoked as a whole, the time the user
/// really authenticated (<c>auth_time</c>, OIDC Core 2), which neither a sliding cookie renewal, a security-stamp
/// refresh nor a token refresh moves, and how they authenticated (<c>amr</c>, RFC 8176; the <c>acr</c> follows from
/// it, <see cref="SignInMethods"/>). They live in the Identity cookie and in every ID, access and refresh token.
/// </summary>
public static class SessionClaims
{
    public const string SessionId = "sid";

    /// <summary>
    /// A private claim (never in a token a client sees, kept in codes and refresh tokens): the client asked for
    /// <c>max_age</c> or is registered with require_auth_time, so ID tokens of this grant carry <c>auth_time</c>, on
    /// refresh too (OIDC Core 12.2: still the original authentication's time).
    /// </summary>
    public const string AuthTimeInIdToken = "redisjwt_auth_time_in_id_token";

    /// <summary>
    /// A private claim (codes, refresh tokens and the cookie only): the second factor the sign-in used (see
    /// MultiFactor/Factors), so that a session whose factor was removed stops minting <c>acr=mfa</c> tokens.
    /// </summary>
    public const string SecondFactor = "redisjwt_second_factor";

    /// <summary>
    /// A private claim (the cookie only): when the user last signed in with their credentials (a password, or a
    /// passkey), which a step-up with a second factor alone does not move, unlike auth_time. FactorChanges.IsRecent
    /// asks it before a factor is added.
    /// </summary>
    public const string SignedInAt = "redisjwt_signed_in_at";

    public static Claim SignedIn(DateTimeOffset time) =>
        new(SignedInAt, time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);

    /// <summary>The <see cref="SignedInAt"/> claim as a time; null when absent.</summary>
    public static DateTimeOffset? GetSignedInAt(this ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst(SignedInAt)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static string NewSessionId() => Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// The claims of a sign-in that a cookie issued again (security-stamp refresh, a changed stamp) must keep: they
    /// describe the sign-in, which no refresh repeats.
    /// </summary>
    public static IEnumerable<Claim> OfTheSignIn(ClaimsPrincipal principal) =>
        principal.Claims.Where(claim => claim.Type is SessionId or Claims.AuthenticationTime or Claims.AuthenticationMethodReference
                or SecondFactor or SignedInAt)
            .Select(claim => new Claim(claim.Type, claim.Value, claim.ValueType));

    public static string? GetSessionId(this ClaimsPrincipal principal) => principal.FindFirst(SessionId)?.Value;

    /// <summary>The <c>auth_time</c> claim as a time; null when absent (a cookie issued before it was recorded).</summary>
    public static DateTimeOffset? GetAuthenticationTime(this ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirst(Claims.AuthenticationTime)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>
    /// The <c>amr</c> values: one claim each in the cookie, one JSON array claim in a principal built for tokens (so
    /// that a single value is still an array in the JWT, RFC 8176 section 1).
    /// </summary>
    public static IReadOnlyList<string> GetMethods(this ClaimsPrincipal principal) =>
    [
        .. principal.FindAll(Claims.AuthenticationMethodReference).SelectMany(claim =>
            claim.ValueType == JsonClaimValueTypes.JsonArray
                ? JsonSerializer.Deserialize<string[]>(claim.Value) ?? []
                : [claim.Value]).Distinct(),
    ];

    /// <summary>The cookie's claims for the sign-in methods: one <c>amr</c> claim each.</summary>
    public static IEnumerable<Claim> MethodClaims(IEnumerable<string> methods) =>
        methods.Select(method => new Claim(Claims.AuthenticationMethodReference, method));

    /// <summary>An <c>auth_time</c> claim: a NumericDate, whole seconds (RFC 7519 2).</summary>
    public static Claim AuthenticationTime(DateTimeOffset time) =>
        new(Claims.AuthenticationTime, time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The sign-in a token is issued in: its session, when and how the user authenticated (<see cref="Methods"/>, and the
/// second factor among them), and whether ID tokens say when.
/// </summary>
public sealed record SignInFacts(string? SessionId, DateTimeOffset? AuthenticatedAt, bool AuthTimeInIdToken,
    IReadOnlyList<string> Methods, string? SecondFactor = null)
{
    /// <summary>The acr this sign-in reached.</summary>
    public string Level => SignInMethods.LevelOf(Methods);

    /// <summary>As a code or refresh token (or the cookie) carries them from the sign-in that granted it.</summary>
    public static SignInFacts Of(ClaimsPrincipal granted) =>
        new(granted.GetSessionId(), granted.GetAuthenticationTime(), granted.HasClaim(SessionClaims.AuthTimeInIdToken, "true"),
            granted.GetMethods(), granted.FindFirst(SessionClaims.SecondFactor)?.Value);

    /// <summary>
    /// The same sign-in without the multi-factor level, once its factor is gone: a password sign-in keeps the password,
    /// a passkey sign-in keeps the key, and neither counts as more than one factor any more.
    /// </summary>
    public SignInFacts WithoutSecondFactor() => this with
    {
        Methods = Methods.Contains(SignInMethods.Password)
            ? [SignInMethods.Password]
            : [.. Methods.Where(method => method != SignInMethods.MultipleFactors)],
        SecondFactor = null,
    };
}
