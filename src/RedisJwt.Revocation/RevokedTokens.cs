using OpenIddict.Validation;

namespace RedisJwt.Revocation;

/// <summary>What a validation transaction tells about revocation, for metrics and logs.</summary>
public static class RevokedTokens
{
    private const string RevokedProperty = "RedisJwt.Revocation:revoked";

    /// <summary>True when this request's token was refused because it is revoked (not expired, forged or the like).</summary>
    public static bool WasRevoked(this OpenIddictValidationTransaction transaction) =>
        transaction.GetProperty<object>(RevokedProperty) is true;

    internal static void MarkRevoked(this OpenIddictValidationTransaction transaction) =>
        transaction.SetProperty<object>(RevokedProperty, true);
}
