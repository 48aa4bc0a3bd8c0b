using RedisJwt.ServiceDefaults.Telemetry;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// Dynamic registration's security events, in the audit log (<see cref="LogCategories.Audit"/>) beside the sign-in
/// and revocation events of <see cref="Telemetry.AuthEvents"/>. Ids and reasons only, never a token or secret.
/// </summary>
public sealed partial class RegistrationEvents(ILoggerFactory loggers)
{
    private readonly ILogger _audit = loggers.CreateLogger(LogCategories.Audit);

    public void InitialAccessTokenIssued(string id, int maxUses, DateTimeOffset expiresAt) => LogIssued(_audit, id, maxUses, expiresAt);

    public void InitialAccessTokenRevoked(string id) => LogRevoked(_audit, id);

    /// <param name="by">The initial access token's id, or "open registration".</param>
    public void Registered(string clientId, string by) => LogRegistered(_audit, clientId, by);

    public void RegistrationRefused(string reason) => LogRefused(_audit, reason);

    public void Updated(string clientId) => LogUpdated(_audit, clientId);

    public void Deleted(string clientId) => LogDeleted(_audit, clientId);

    [LoggerMessage(EventId = 130, Level = LogLevel.Information,
        Message = "Initial access token {InitialAccessTokenId} issued: {MaxUses} use(s), until {ExpiresAt}")]
    private static partial void LogIssued(ILogger logger, string initialAccessTokenId, int maxUses, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Initial access token {InitialAccessTokenId} revoked")]
    private static partial void LogRevoked(ILogger logger, string initialAccessTokenId);

    [LoggerMessage(EventId = 132, Level = LogLevel.Information, Message = "Client {ClientId} registered dynamically ({By})")]
    private static partial void LogRegistered(ILogger logger, string clientId, string by);

    [LoggerMessage(EventId = 133, Level = LogLevel.Warning, Message = "Dynamic registration refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 134, Level = LogLevel.Information, Message = "Client {ClientId} updated with its registration access token (rotated)")]
    private static partial void LogUpdated(ILogger logger, string clientId);

    [LoggerMessage(EventId = 135, Level = LogLevel.Information, Message = "Client {ClientId} deleted with its registration access token")]
    private static partial void LogDeleted(ILogger logger, string clientId);
}
