namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// When a user set up one second factor and last signed in with it (table FactorUses): Identity keeps no dates for
/// authenticator apps or recovery codes, and none of a passkey's use. Deleted with the user.
/// </summary>
public sealed class FactorUse
{
    public const int FactorMaxLength = 200;

    public string UserId { get; set; } = "";

    /// <summary>One of <see cref="Factors"/>.</summary>
    public string Factor { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
}
