namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>Section <c>MultiFactor</c>: who must sign in with a second factor, whatever the client asks.</summary>
public sealed class MultiFactorSettings
{
    public const string Section = "MultiFactor";

    /// <summary>
    /// Roles whose members must sign in with a second factor (e.g. <c>["admin"]</c>); one without a factor is taken
    /// through enrolment after the password. Empty by default.
    /// </summary>
    public string[] RequiredRoles { get; set; } = [];
}
