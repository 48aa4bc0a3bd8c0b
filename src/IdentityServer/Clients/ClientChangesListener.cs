using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// Hears the client changes published by every instance (<see cref="ClientApplicationManager"/>) and forgets those
/// clients' snapshots. While the subscription is down, nothing is served from snapshots.
/// </summary>
public sealed class ClientChangesListener(IConnectionMultiplexer redis, RedisKeys keys, ClientSnapshots snapshots,
    ILogger<ClientChangesListener> logger) : BackgroundService
{
    private volatile bool _subscribed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionFailed += OnConnectionFailed;
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await redis.GetSubscriber().SubscribeAsync(keys.ClientChangesChannel, OnMessage);
                    _subscribed = true;
                    snapshots.Listening = true;
                    return;
                }
                catch (Exception exception) when (exception is RedisException or TimeoutException)
                {
                    logger.LogWarning(exception, "Client changes channel unavailable; clients are read from the database.");
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public override void Dispose()
    {
        redis.ConnectionFailed -= OnConnectionFailed;
        redis.ConnectionRestored -= OnConnectionRestored;
        base.Dispose();
    }

    private void OnMessage(RedisChannel channel, RedisValue clientId)
    {
        if (clientId.HasValue)
        {
            snapshots.Forget(clientId.ToString());
        }
    }

    // A message may have been missed while disconnected: start again from the database.
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.ConnectionType == ConnectionType.Subscription)
        {
            snapshots.Listening = false;
        }
    }

    // Before the first subscription succeeded, a restored connection hears nothing yet: ExecuteAsync turns it on.
    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args)
    {
        if (_subscribed && args.ConnectionType == ConnectionType.Subscription)
        {
            snapshots.Listening = true;
        }
    }
}
