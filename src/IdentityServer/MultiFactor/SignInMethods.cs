namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// How a user proved who they are: the <c>amr</c> values (RFC 8176 section 2) a sign-in records, and the <c>acr</c>
/// level (OIDC Core 2) that follows from them. Two levels, named in docs/multi-factor.md: <see cref="SingleFactor"/>
/// and <see cref="MultiFactor"/>, which a client asks for with <c>acr_values=mfa</c>.
/// </summary>
public static class SignInMethods
{
    /// <summary>A password (RFC 8176 "pwd").</summary>
    public const string Password = "pwd";

    /// <summary>A one-time code from an authenticator app, or a single-use recovery code (RFC 8176 "otp").</summary>
    public const string OneTimeCode = "otp";

    /// <summary>A device-bound passkey: its private key cannot leave the authenticator (RFC 8176 "hwk").</summary>
    public const string HardwareKey = "hwk";

    /// <summary>A synced passkey (backup eligible, WebAuthn 6.1.3): a software-secured key (RFC 8176 "swk").</summary>
    public const string SoftwareKey = "swk";

    /// <summary>More than one factor (RFC 8176 "mfa"): a password and a second factor, or a passkey with user verification.</summary>
    public const string MultipleFactors = "mfa";

    /// <summary>The <c>acr</c> of a sign-in with one factor.</summary>
    public const string SingleFactor = "sfa";

    /// <summary>The <c>acr</c> of a sign-in with more than one factor.</summary>
    public const string MultiFactor = "mfa";

    /// <summary>Every acr value this server can satisfy, weakest first (discovery's acr_values_supported).</summary>
    public static readonly IReadOnlyList<string> Levels = [SingleFactor, MultiFactor];

    /// <summary>The acr a sign-in by <paramref name="methods"/> reaches.</summary>
    public static string LevelOf(IEnumerable<string> methods) =>
        methods.Contains(MultipleFactors) ? MultiFactor : SingleFactor;

    /// <summary>A password then a second factor.</summary>
    public static IReadOnlyList<string> PasswordAnd(string secondFactor) => [Password, secondFactor, MultipleFactors];

    /// <summary>
    /// A signed-in session's methods plus a second factor presented now (step-up): what it had (a cookie from before
    /// methods were recorded had a password), the new factor, and so more than one.
    /// </summary>
    public static IReadOnlyList<string> Adding(IReadOnlyList<string> signedInWith, string secondFactor)
    {
        var had = signedInWith.Where(method => method != MultipleFactors).ToList();
        return [.. (had.Count > 0 ? had : [Password]).Append(secondFactor).Distinct(), MultipleFactors];
    }

    /// <summary>
    /// A passkey alone: user verification (a PIN or biometric on the authenticator, which Identity requires, see
    /// MultiFactorSetup) plus the key itself are two factors (NIST SP 800-63B 5.1.9, multi-factor cryptographic device).
    /// </summary>
    public static IReadOnlyList<string> Passkey(bool backupEligible) =>
        [backupEligible ? SoftwareKey : HardwareKey, MultipleFactors];
}
