using RedisJwt.IdentityServer.Messages;

namespace RedisJwt.IdentityServer.Account.Notifications;

/// <summary>
/// Hands account messages to the dispatcher without ever failing the action that triggered them: a failure is logged
/// (kind and user id only; never the text, which holds links and codes) and the action goes on.
/// </summary>
public sealed class AccountMail(IServiceScopeFactory scopes, ILogger<AccountMail> logger)
{
    /// <returns>The outcome, or null when the message could not be queued.</returns>
    public async Task<DispatchOutcome?> TrySendAsync(OutgoingMessage message)
    {
        try
        {
            // A scope of its own: also called after the request's has ended (see SendInBackground).
            await using var scope = scopes.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<IMessageDispatcher>()
                .DispatchAsync(message, CancellationToken.None);
            logger.LogInformation("Account message {Kind} for user {UserId}: {Outcome} on {Topic}.",
                message.Kind, message.UserId, result.Outcome, result.Topic);
            return result.Outcome;
        }
        catch (Exception exception)
        {
            // Whatever went wrong (Redis down most likely), the user's action has happened and stands.
            logger.LogError(exception, "Account message {Kind} for user {UserId} could not be queued.", message.Kind, message.UserId);
            return null;
        }
    }

    /// <summary>
    /// Queues off the request path, for answers that must not tell by their timing whether an account exists
    /// (password reset, verification resend): those requests then cost a lookup, whoever asks.
    /// </summary>
    public void SendInBackground(OutgoingMessage message) => _ = Task.Run(() => TrySendAsync(message));
}
