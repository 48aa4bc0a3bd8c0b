namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>Why something was revoked: label <c>cause</c> of redisjwt.revocations, and the audit log.</summary>
public enum RevocationCause
{
    /// <summary>RP-initiated logout or /auth/logout: the caller's own session.</summary>
    Logout,

    /// <summary>The user ended one of their sessions from the session list.</summary>
    SessionEnded,

    LogoutEverywhere,

    /// <summary>RFC 7009, by the client the token was issued to.</summary>
    RevocationEndpoint,

    RefreshTokenReuse,

    /// <summary>An authorization code presented a second time: the tokens it produced (RFC 6749 4.1.2).</summary>
    AuthorizationCodeReplay,

    PasswordChanged,
    PasswordReset,

    /// <summary>The account's owner confirmed its email: every other session ends.</summary>
    EmailConfirmed,

    /// <summary>The user withdrew an app's access (remembered consent).</summary>
    ConsentWithdrawn,

    /// <summary>An admin ended a user's sessions.</summary>
    Admin,
    AccountLocked,
    AccountDeleted,
    ClientRemoved,
}

public static class RevocationCauses
{
    public static string Label(this RevocationCause cause) => cause switch
    {
        RevocationCause.Logout => "logout",
        RevocationCause.SessionEnded => "session_ended",
        RevocationCause.LogoutEverywhere => "logout_everywhere",
        RevocationCause.RevocationEndpoint => "revocation_endpoint",
        RevocationCause.RefreshTokenReuse => "refresh_token_reuse",
        RevocationCause.AuthorizationCodeReplay => "authorization_code_replay",
        RevocationCause.PasswordChanged => "password_changed",
        RevocationCause.PasswordReset => "password_reset",
        RevocationCause.EmailConfirmed => "email_confirmed",
        RevocationCause.ConsentWithdrawn => "consent_withdrawn",
        RevocationCause.Admin => "admin",
        RevocationCause.AccountLocked => "account_locked",
        RevocationCause.AccountDeleted => "account_deleted",
        RevocationCause.ClientRemoved => "client_removed",
        _ => throw new ArgumentOutOfRangeException(nameof(cause), cause, null),
    };
}
