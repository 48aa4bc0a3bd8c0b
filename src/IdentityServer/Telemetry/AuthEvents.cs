using System.Diagnostics.Metrics;
using RedisJwt.IdentityServer.TokenRevocation;
using RedisJwt.ServiceDefaults.Telemetry;

namespace RedisJwt.IdentityServer.Telemetry;

/// <summary>How a sign-in attempt ended (label <c>result</c> of redisjwt.signins).</summary>
public enum SignInOutcome
{
    Success,

    /// <summary>Unknown email or wrong password: one outcome, as the caller sees it.</summary>
    Failure,

    /// <summary>Refused because the account is locked out.</summary>
    LockedOut,

    /// <summary>The right password, held back until the email is confirmed.</summary>
    EmailNotConfirmed,
}

/// <summary>
/// The IdentityServer's authentication events, each counted (meter <c>RedisJwt.IdentityServer</c>) and written to the
/// audit log (<see cref="LogCategories.Audit"/>; tokens issued under <see cref="LogCategories.AuditTokens"/>), in one
/// place so the two never disagree. Labels stay low-cardinality (grant type, client, cause, result); user ids go to
/// the log only. Never a token, code, password or secret.
/// </summary>
public sealed partial class AuthEvents
{
    public const string MeterName = "RedisJwt.IdentityServer";

    private readonly Counter<long> _tokensIssued;
    private readonly Counter<long> _revocations;
    private readonly Counter<long> _signIns;
    private readonly Counter<long> _lockouts;
    private readonly Counter<long> _secondFactors;
    private readonly Counter<long> _factorChanges;
    private readonly ILogger _audit;
    private readonly ILogger _tokenAudit;

    public AuthEvents(IMeterFactory meters, ILoggerFactory loggers)
    {
        var meter = meters.Create(MeterName);
        _tokensIssued = meter.CreateCounter<long>("redisjwt.tokens.issued", unit: "{response}",
            description: "Token responses with an access token, by grant type and client.");
        _revocations = meter.CreateCounter<long>("redisjwt.revocations", unit: "{revocation}",
            description: "Revocations recorded (sessions, token families, tokens, users), by cause.");
        _signIns = meter.CreateCounter<long>("redisjwt.signins", unit: "{attempt}",
            description: "Password sign-in attempts (login page, password grant, /auth/login), by result.");
        _lockouts = meter.CreateCounter<long>("redisjwt.lockouts", unit: "{lockout}",
            description: "Accounts locked out by failed sign-ins.");
        _secondFactors = meter.CreateCounter<long>("redisjwt.signins.second_factor", unit: "{attempt}",
            description: "Second-factor and passkey sign-in attempts, by method and result.");
        _factorChanges = meter.CreateCounter<long>("redisjwt.mfa.changes", unit: "{change}",
            description: "Sign-in factors added, removed or replaced, by factor kind and change.");
        _audit = loggers.CreateLogger(LogCategories.Audit);
        _tokenAudit = loggers.CreateLogger(LogCategories.AuditTokens);
    }

    public void TokenIssued(string grantType, string clientId, string? subject, bool refreshToken)
    {
        _tokensIssued.Add(1, new("grant_type", grantType), new("client_id", clientId));
        LogTokenIssued(_tokenAudit, grantType, clientId, subject, refreshToken);
    }

    public void Revoked(RevocationCause cause, string what, string? userId)
    {
        _revocations.Add(1, new KeyValuePair<string, object?>("cause", cause.Label()));
        LogRevoked(_audit, cause.Label(), what, userId);
    }

    public void SignIn(SignInOutcome result, string? userId)
    {
        var label = result switch
        {
            SignInOutcome.Success => "success",
            SignInOutcome.Failure => "failure",
            SignInOutcome.LockedOut => "locked_out",
            _ => "email_not_confirmed",
        };
        _signIns.Add(1, new KeyValuePair<string, object?>("result", label));
        if (result == SignInOutcome.Success)
        {
            LogSignedIn(_audit, userId);
        }
        else
        {
            LogSignInRefused(_audit, label, userId);
        }
    }

    public void LockedOut(string userId)
    {
        _lockouts.Add(1);
        LogLockedOut(_audit, userId);
    }

    /// <param name="method">totp, recovery_code or passkey.</param>
    public void SecondFactor(string method, bool accepted, string userId)
    {
        var result = accepted ? "success" : "failure";
        _secondFactors.Add(1, new("method", method), new("result", result));
        LogSecondFactor(_audit, method, result, userId);
    }

    /// <param name="kind">totp, passkey, recovery_codes or all.</param>
    /// <param name="change">added, removed or replaced.</param>
    public void FactorChanged(string kind, string change, string userId)
    {
        _factorChanges.Add(1, new("kind", kind), new("change", change));
        LogFactorChanged(_audit, kind, change, userId);
    }

    public void RefreshTokenReused(string? clientId, string? subject, string? family) =>
        LogReuse(_audit, clientId, subject, family);

    public void AuthorizationCodeReplayed(string? clientId, string? subject, string? family) =>
        LogCodeReplay(_audit, clientId, subject, family);

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Signed in: user {UserId}")]
    private static partial void LogSignedIn(ILogger logger, string? userId);

    // The user id only when the account exists and the password was right or the account is locked; never the
    // email typed (it may be a password typed in the wrong field).
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Sign-in refused ({Result}): user {UserId}")]
    private static partial void LogSignInRefused(ILogger logger, string result, string? userId);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Account locked out after failed sign-ins: user {UserId}")]
    private static partial void LogLockedOut(ILogger logger, string userId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Second factor {Method}: {Result}, user {UserId}")]
    private static partial void LogSecondFactor(ILogger logger, string method, string result, string userId);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Sign-in factor {Kind} {Change}: user {UserId}")]
    private static partial void LogFactorChanged(ILogger logger, string kind, string change, string userId);

    [LoggerMessage(EventId = 110, Level = LogLevel.Information,
        Message = "Tokens issued: grant {GrantType}, client {ClientId}, subject {Subject}, refresh token {RefreshToken}")]
    private static partial void LogTokenIssued(ILogger logger, string grantType, string clientId, string? subject, bool refreshToken);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Revoked ({Cause}): {Revoked}, user {UserId}")]
    private static partial void LogRevoked(ILogger logger, string cause, string revoked, string? userId);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning,
        Message = "Refresh token reuse detected: client {ClientId}, subject {Subject}, token family {AuthorizationId} revoked")]
    private static partial void LogReuse(ILogger logger, string? clientId, string? subject, string? authorizationId);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning,
        Message = "Authorization code replay detected: client {ClientId}, subject {Subject}, token family {AuthorizationId} revoked")]
    private static partial void LogCodeReplay(ILogger logger, string? clientId, string? subject, string? authorizationId);
}
