namespace RedisJwt.IdentityServer.AuthApi;

/// <summary>The "AuthApi" section: the plain JSON sign-in API for first-party apps.</summary>
public sealed class AuthApiSettings
{
    public const string Section = "AuthApi";

    /// <summary>
    /// The scope, and the audience it grants, that the account endpoints (/auth/me, /auth/password, /auth/logout)
    /// require, like Keycloak's "account" audience: a token meant only for BoardApi cannot manage the account.
    /// </summary>
    public const string AccountScope = "account";

    /// <summary>
    /// The first-party client /auth/login and /auth/refresh issue tokens to: a public client (apps cannot keep a
    /// secret) allowed the password grant, which no other client may have. Empty: those two endpoints are off.
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>How long a user's profile (GET /auth/me) stays cached; any change to the user ends it sooner.</summary>
    public TimeSpan ProfileCacheDuration { get; set; } = TimeSpan.FromHours(1);
}
