using System.ComponentModel.DataAnnotations;

namespace RedisJwt.Revocation.DPoP;

/// <summary>The "DPoP" section: how long a DPoP proof (RFC 9449) is accepted after its <c>iat</c>.</summary>
public sealed class DPoPOptions
{
    /// <summary>The configuration section these settings are bound from.</summary>
    public const string Section = "DPoP";

    /// <summary>
    /// How long after its <c>iat</c> a proof is accepted (RFC 9449 11.1: a short window bounds what a captured proof is
    /// worth). Its <c>jti</c> is remembered in Redis for this long plus twice <see cref="ClockSkew"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "DPoP:ProofLifetime must be between 00:00:01 and 00:10:00.")]
    public TimeSpan ProofLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How far the client's clock may be off ours, either way.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00", ErrorMessage = "DPoP:ClockSkew must be between 00:00:00 and 00:05:00.")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
