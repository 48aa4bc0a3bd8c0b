namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>Dynamic client registration (RFC 7591): with an initial access token always; without one only if allowed.</summary>
public sealed class DynamicRegistrationSettings
{
    public const string Section = "DynamicRegistration";

    /// <summary>
    /// Registration without an initial access token, under <see cref="RegistrationPolicy.Open"/> (sign-in clients,
    /// identity scopes only, explicit consent) and the per-IP rate limit. Off by default: anyone could register.
    /// </summary>
    public bool AllowOpenRegistration { get; set; }
}
