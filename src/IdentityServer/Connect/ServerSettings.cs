using System.ComponentModel.DataAnnotations;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>The "Server" section: issuer and token lifetimes.</summary>
public sealed class ServerSettings : IValidatableObject
{
    public const string Section = "Server";

    /// <summary>Fixed, so every instance behind the load balancer issues tokens with the same <c>iss</c>.</summary>
    [Required(ErrorMessage = "Server:Issuer is required (the public base URL, e.g. https://id.example.com/).")]
    public Uri? Issuer { get; set; }

    /// <summary>Development and tests only: accept plain HTTP. In production TLS is required (RFC 9700 2.6).</summary>
    public bool AllowInsecureHttp { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan IdentityTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Short, since a code is single-use and redeemed at once (RFC 6749 4.1.2 advises at most 10 minutes).</summary>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a pushed request's request_uri works (RFC 9126 2.2: short). It is spent when the code is issued, and
    /// must last through the sign-in it may lead to: long enough to type a password and a second factor.
    /// </summary>
    public TimeSpan PushedRequestLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a redeemed refresh token may be presented again (a client retrying after a lost response).
    /// Zero: any replay is treated as theft and rejected with invalid_grant (RFC 9700 4.14.2).
    /// </summary>
    public TimeSpan RefreshTokenReuseLeeway { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How often the DPoP nonce the token endpoint requires changes (RFC 9449 section 8). A nonce is accepted for one to
    /// two of these, so it also bounds how long a DPoP proof made in advance can be used.
    /// </summary>
    public TimeSpan DPoPNonceLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a device's user code and device code work (RFC 8628 3.2 expires_in): long enough to find a browser,
    /// sign in and approve; short, since a shorter life leaves fewer codes for a guesser to hit (RFC 8628 5.1).
    /// </summary>
    public TimeSpan DeviceCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The least time between a device's polls (RFC 8628 3.2 interval; 5 seconds is the RFC's default). One sooner is
    /// answered slow_down, and the device's interval grows by 5 seconds (RFC 8628 3.5).
    /// </summary>
    public TimeSpan DevicePollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Issuer is { IsAbsoluteUri: false })
        {
            yield return new ValidationResult("Server:Issuer must be an absolute URL.", [nameof(Issuer)]);
        }
        else if (Issuer is not null && Issuer.Scheme != Uri.UriSchemeHttps && !AllowInsecureHttp)
        {
            yield return new ValidationResult("Server:Issuer must use https unless Server:AllowInsecureHttp is true (development only).", [nameof(Issuer)]);
        }

        foreach (var (name, value) in new[]
        {
            (nameof(AccessTokenLifetime), AccessTokenLifetime),
            (nameof(IdentityTokenLifetime), IdentityTokenLifetime),
            (nameof(AuthorizationCodeLifetime), AuthorizationCodeLifetime),
            (nameof(RefreshTokenLifetime), RefreshTokenLifetime),
            (nameof(PushedRequestLifetime), PushedRequestLifetime),
            (nameof(DPoPNonceLifetime), DPoPNonceLifetime),
            (nameof(DeviceCodeLifetime), DeviceCodeLifetime),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new ValidationResult($"Server:{name} must be positive.", [name]);
            }
        }

        // Whole seconds: the interval is announced in seconds (RFC 8628 3.2).
        if (DevicePollingInterval < TimeSpan.FromSeconds(1) || DevicePollingInterval.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return new ValidationResult("Server:DevicePollingInterval must be a whole number of seconds, at least 00:00:01.", [nameof(DevicePollingInterval)]);
        }

        if (RefreshTokenReuseLeeway < TimeSpan.Zero || RefreshTokenReuseLeeway > TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Server:RefreshTokenReuseLeeway must be between 00:00:00 and 00:01:00.", [nameof(RefreshTokenReuseLeeway)]);
        }
    }
}
