using System.ComponentModel.DataAnnotations;

namespace RedisJwt.BoardApi.Auth;

public enum TokenValidationMode
{
    /// <summary>Verify the JWT locally with the keys from the issuer's JWKS (found through discovery).</summary>
    Jwt,

    /// <summary>Ask the issuer's introspection endpoint (RFC 7662) about every token, e.g. for reference tokens.</summary>
    Introspection,
}

/// <summary>The "Auth" section. BoardApi knows the IdentityServer only by its issuer URL.</summary>
public sealed class TokenValidationSettings : IValidatableObject
{
    public const string Section = "Auth";

    [Required(ErrorMessage = "Auth:Issuer is required (the IdentityServer's issuer URL, e.g. https://id.example.com/).")]
    public Uri? Issuer { get; set; }

    /// <summary>Development and tests only: accept an issuer on plain HTTP.</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>
    /// BoardApi's resource identifier (RFC 8707), its public base URL: the <c>aud</c> an access token must carry to be
    /// accepted here (RFC 9068 4) and the <c>resource</c> a client names to get one. The IdentityServer's posts scopes
    /// name the same (Seed:ApiScopes:posts.read:Resource), and its RFC 9728 metadata publishes it as its <c>resource</c>.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage =
        "Auth:Audience is required: BoardApi's resource identifier, its public base URL (e.g. https://api.example.com/), the same as the IdentityServer's Seed:ApiScopes:posts.read:Resource.")]
    public string Audience { get; set; } = "";

    public TokenValidationMode Mode { get; set; } = TokenValidationMode.Jwt;

    /// <summary>BoardApi's own client at the IdentityServer, used to authenticate introspection requests.</summary>
    public string ClientId { get; set; } = "board-api";

    /// <summary>From an environment variable or user-secrets, never appsettings.json. Introspection mode only.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>Tolerated difference between the IdentityServer's clock and ours when checking exp/nbf.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Least time between two forced re-reads of discovery and JWKS (e.g. on a token signed by an unknown key),
    /// so a flood of forged tokens cannot make BoardApi hammer the IdentityServer.
    /// </summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often discovery and JWKS are re-read anyway, so a newly published key is known before it signs.</summary>
    public TimeSpan MetadataAutomaticRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest wait for the IdentityServer (discovery, JWKS, introspection), retry included, before a 503.</summary>
    public TimeSpan IssuerRequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Issuer is { IsAbsoluteUri: false })
        {
            yield return new ValidationResult("Auth:Issuer must be an absolute URL.", [nameof(Issuer)]);
        }
        else if (Issuer is not null && Issuer.Scheme != Uri.UriSchemeHttps && !AllowInsecureHttp)
        {
            yield return new ValidationResult("Auth:Issuer must use https unless Auth:AllowInsecureHttp is true (development only).", [nameof(Issuer)]);
        }

        // As the IdentityServer requires of the resource (it compares character for character).
        if (!string.IsNullOrEmpty(Audience))
        {
            if (!Uri.TryCreate(Audience, UriKind.Absolute, out var resource) || resource.IsFile || resource.Fragment.Length > 0)
            {
                yield return new ValidationResult($"Auth:Audience \"{Audience}\" must be an absolute URI without a fragment (RFC 8707 2).", [nameof(Audience)]);
            }
            else if (resource.AbsoluteUri != Audience)
            {
                yield return new ValidationResult($"Auth:Audience \"{Audience}\" must be written in its normal form, \"{resource.AbsoluteUri}\".", [nameof(Audience)]);
            }
        }

        if (Mode == TokenValidationMode.Introspection && (string.IsNullOrWhiteSpace(ClientId) || string.IsNullOrWhiteSpace(ClientSecret)))
        {
            yield return new ValidationResult("Auth:ClientId and Auth:ClientSecret are required when Auth:Mode is Introspection.", [nameof(ClientSecret)]);
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Auth:ClockSkew must be between 00:00:00 and 00:05:00.", [nameof(ClockSkew)]);
        }

        if (IssuerRequestTimeout < TimeSpan.FromMilliseconds(100) || IssuerRequestTimeout > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Auth:IssuerRequestTimeout must be between 00:00:00.1 and 00:01:00.", [nameof(IssuerRequestTimeout)]);
        }

        // The floors are Microsoft.IdentityModel's ConfigurationManager minimums.
        if (MetadataRefreshInterval < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Auth:MetadataRefreshInterval must be at least 00:00:01.", [nameof(MetadataRefreshInterval)]);
        }

        if (MetadataAutomaticRefreshInterval < TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Auth:MetadataAutomaticRefreshInterval must be at least 00:05:00.", [nameof(MetadataAutomaticRefreshInterval)]);
        }
    }
}
