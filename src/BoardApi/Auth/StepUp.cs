using System.Globalization;
using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using RedisJwt.Revocation.DPoP;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.BoardApi.Auth;

/// <summary>
/// Step-up authentication (RFC 9470): the one place that decides whether a token shows a recent enough multi-factor
/// sign-in for an action that demands one, and the 401 challenge telling the client how to get such a token.
/// </summary>
public sealed class StepUp(IOptions<StepUpSettings> settings, TimeProvider clock)
{
    /// <summary>The <c>acr</c> the IdentityServer puts in tokens of a multi-factor sign-in ("sfa" for one factor).</summary>
    public const string MultiFactor = "mfa";

    /// <summary>How far the issuer's clock may be ahead of this server's (the JWT handlers' default).</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>RFC 9470 3: the token is valid, but the user's authentication is not enough for this request.</summary>
    public const string InsufficientUserAuthentication = "insufficient_user_authentication";

    /// <summary>Null when <paramref name="user"/>'s token has acr=mfa and an auth_time within StepUp:MaxAge; otherwise the challenge to answer.</summary>
    public Challenge? RequireRecentMultiFactor(ClaimsPrincipal user)
    {
        var maxAge = settings.Value.MaxAge;
        if (user.GetClaim(Claims.AuthenticationContextReference) != MultiFactor)
        {
            return new Challenge("This action requires a multi-factor sign-in.", maxAge);
        }

        // auth_time is a NumericDate (RFC 7519 2), the real time the user authenticated; without it, age is unknown.
        // One later than now (beyond the issuer's clock skew) is no sign-in that happened: refused too.
        if (!long.TryParse(user.GetClaim(Claims.AuthenticationTime), NumberStyles.None, CultureInfo.InvariantCulture, out var authTime)
            || clock.GetUtcNow().ToUnixTimeSeconds() - authTime is var age && (age > (long)maxAge.TotalSeconds || age < -(long)AllowedClockSkew.TotalSeconds))
        {
            return new Challenge("This action requires a more recent multi-factor sign-in.", maxAge);
        }

        return null;
    }

    /// <summary>
    /// 401 with <c>WWW-Authenticate: Bearer error="insufficient_user_authentication", error_description, acr_values,
    /// max_age, resource_metadata</c> (RFC 9470 3, quoted like its examples; RFC 9728 5.1), the DPoP scheme with its
    /// algs instead when the token came as DPoP (RFC 9449 7.1), and the same as RFC 9457 problem details, like BoardApi's
    /// other errors.
    /// </summary>
    public sealed class Challenge(string description, TimeSpan maxAge) : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
    {
        public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
            builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails),
                ["application/problem+json"]));

        public int? StatusCode => StatusCodes.Status401Unauthorized;

        public string WwwAuthenticate(HttpRequest request)
        {
            var dpop = request.Headers.Authorization.ToString().StartsWith($"{DPoPProofValidator.Scheme} ", StringComparison.OrdinalIgnoreCase);
            var metadata = request.HttpContext.RequestServices.GetRequiredService<ProtectedResource>().MetadataUrl;
            return $"{(dpop ? DPoPProofValidator.Scheme : Schemes.Bearer)} error=\"{InsufficientUserAuthentication}\", error_description=\"{description}\", " +
                $"acr_values=\"{MultiFactor}\", max_age=\"{((long)maxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture)}\", " +
                $"{ProtectedResource.MetadataParameter}=\"{metadata}\"" +
                (dpop ? $", algs=\"{string.Join(' ', DPoPProofValidator.Algorithms)}\"" : "");
        }

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = WwwAuthenticate(httpContext.Request);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, detail: description)
                .ExecuteAsync(httpContext);
        }
    }
}
