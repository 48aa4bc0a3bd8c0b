namespace RedisJwt.ServiceDefaults.Telemetry;

/// <summary>
/// Log categories of their own, so that each can be filtered (Logging:LogLevel:{category}) and routed by the log
/// shipper on the JSON "Category" field.
/// </summary>
public static class LogCategories
{
    /// <summary>Authentication events: sign-in, sign-out, revocations, reuse detected, lockouts.</summary>
    public const string Audit = "RedisJwt.Audit";

    /// <summary>
    /// Tokens issued and refreshed: one line per token response, so a category of its own (under Audit, which a
    /// filter on the prefix still covers) that a busy deployment can leave off.
    /// </summary>
    public const string AuditTokens = "RedisJwt.Audit.Tokens";

    /// <summary>One line per request: method, route, status, duration, client and subject.</summary>
    public const string Access = "RedisJwt.Access";

    /// <summary>Requests over Telemetry:SlowRequestThreshold, at Warning.</summary>
    public const string SlowRequests = "RedisJwt.SlowRequests";
}
