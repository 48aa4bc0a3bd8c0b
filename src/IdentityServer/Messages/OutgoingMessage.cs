namespace RedisJwt.IdentityServer.Messages;

/// <summary>The kinds of message this server sends; each may have its own dedup lock time (Messages:Kinds).</summary>
public static class MessageKinds
{
    public const string EmailVerification = "email-verification";
    public const string PasswordReset = "password-reset";
    public const string NewSignIn = "new-sign-in";
    public const string PasswordChanged = "password-changed";
    public const string RefreshTokenReuse = "refresh-token-reuse";
    public const string RegistrationAttempt = "registration-attempt";
    public const string SecondFactorAdded = "second-factor-added";
    public const string SecondFactorRemoved = "second-factor-removed";
    public const string MultiFactorTurnedOff = "multi-factor-turned-off";
    public const string RecoveryCodeUsed = "recovery-code-used";
    public const string RecoveryCodesReplaced = "recovery-codes-replaced";
}

public static class MessageChannels
{
    public const string Email = "email";
    public const string Sms = "sms";
}

/// <summary>
/// A message to send. <see cref="BirthDate"/> routes it to its segment's topic (age groups by default);
/// <see cref="Text"/> is complete, ready to send: a link or code inside it is the recipient's alone.
/// </summary>
public sealed record OutgoingMessage(string Kind, string Channel, string Recipient, string Subject, string Text,
    string? UserId = null, DateOnly? BirthDate = null);

public enum DispatchOutcome
{
    /// <summary>Queued on its topic's stream.</summary>
    Enqueued,

    /// <summary>The same kind went to the same recipient within the lock time: skipped (logged).</summary>
    Duplicate,
}

public sealed record DispatchResult(DispatchOutcome Outcome, string Topic, string? StreamId = null);

/// <summary>
/// Queues messages for sending, at most one per channel, recipient and kind within the kind's lock time, whichever
/// instance asks (a Redis lock, SET NX with a TTL). Throws a Redis exception when Redis cannot be reached.
/// </summary>
public interface IMessageDispatcher
{
    Task<DispatchResult> DispatchAsync(OutgoingMessage message, CancellationToken cancellationToken = default);
}
