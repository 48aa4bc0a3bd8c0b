using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace RedisJwt.Revocation;

/// <summary>
/// Keeps the <see cref="RevocationView"/> fed: subscribes to the revocation channel, then loads the index; again
/// after every reconnection of the subscription; and purges expired entries. Starts in the background, so a
/// resource server comes up (and answers from Redis lookups) even while Redis is still unreachable.
/// </summary>
public sealed class RevocationSubscriber(IConnectionMultiplexer redis, RedisKeys keys, RevocationView view,
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
                        await redis.GetSubscriber().SubscribeAsync(keys.RevocationChannel, (_, message) =>
                        {
                            if (Revoked.TryDecode(message) is { } revocation)
                            {
                                view.Apply(revocation);
                            }
                        });
                        subscribed = true;
                    }

                    await view.SynchronizeAsync();

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
