using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RedisJwt.Revocation;

/// <summary>
/// Keeps the <see cref="RevocationView"/> fed: subscribes to the revocation channel, then loads the index; again
/// after every reconnection of the subscription; and purges expired entries. Starts in the background, so a
/// resource server comes up (and answers from Redis lookups) even while Redis is still unreachable.
/// </summary>
internal sealed class RevocationSubscriber(IConnectionMultiplexer redis, RevocationKeys keys, RevocationView view,
    ILogger<RevocationSubscriber> logger) : BackgroundService
{
    private readonly SemaphoreSlim _resync = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            var subscribed = false;
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!subscribed)
                    {
                        // One handler, registered once: a failed attempt is unsubscribed below before the next.
                        await redis.GetSubscriber().SubscribeAsync(keys.Channel, OnMessage);
                        subscribed = true;
                    }

                    if (!await view.SynchronizeAsync())
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
                        continue;
                    }

                    // In sync: wait for a reconnection (resync at once) or the next purge.
                    while (await _resync.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken) is false)
                    {
                        view.Purge();
                    }
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    logger.LogWarning(exception, "Revocation channel unavailable; retrying.");
                    view.MarkOutOfSync();
                    if (!subscribed)
                    {
                        try
                        {
                            await redis.GetSubscriber().UnsubscribeAsync(keys.Channel, OnMessage, CommandFlags.FireAndForget);
                        }
                        catch (Exception unsubscribe) when (unsubscribe is RedisException or TimeoutException)
                        {
                            logger.LogDebug(unsubscribe, "Unsubscribing the failed attempt failed too.");
                        }
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            redis.ConnectionFailed -= OnConnectionFailed;
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        if (Revoked.TryDecode(message) is { } revocation)
        {
            view.Apply(revocation);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            view.MarkOutOfSync();
        }
    }

    // Messages published while the subscription was down are lost: reload the index before trusting the view.
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            _resync.Release();
        }
    }
}
