using System.Data.Common;
using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Credentials;

/// <summary>
/// Keeps the ring current on this instance: reads it again when `keys` announces a change on Redis, every
/// <see cref="CredentialOptions.KeyRefreshInterval"/> (a missed announcement), and at the plan's next change (an
/// activation, a retired key leaving), so every instance switches keys at the same moment.
/// </summary>
public sealed class SigningKeyRefresher(SigningKeyRing ring, IConnectionMultiplexer redis, RedisKeys keys,
    IOptions<CredentialOptions> options, TimeProvider clock, ILogger<SigningKeyRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);
    private readonly SemaphoreSlim _announced = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscribed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            subscribed = subscribed || await TrySubscribeAsync();
            var wait = options.Value.KeyRefreshInterval;
            try
            {
                var plan = await ring.RefreshAsync(stoppingToken);
                if (plan.NextChange is { } next && next - clock.GetUtcNow() < wait)
                {
                    wait = next - clock.GetUtcNow();
                }
            }
            catch (Exception exception) when (exception is DbException or InvalidOperationException or TimeoutException)
            {
                // The keys already loaded keep serving; time-driven changes still apply.
                logger.LogWarning(exception, "The signing key ring could not be read; trying again in {Delay}.", RetryAfterFailure);
                ring.Reconsider();
                wait = RetryAfterFailure;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                // A few milliseconds late rather than early: the plan must have changed when we look again.
                await _announced.WaitAsync(wait > TimeSpan.Zero ? wait + TimeSpan.FromMilliseconds(5) : TimeSpan.Zero, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<bool> TrySubscribeAsync()
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(keys.SigningKeysChannel, (_, _) => Announce());
            return true;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            logger.LogWarning(exception, "Signing key announcements unavailable; the ring is read every {Interval}.", options.Value.KeyRefreshInterval);
            return false;
        }
    }

    // Several announcements before the loop wakes need one read, not one each.
    private void Announce()
    {
        lock (_announced)
        {
            if (_announced.CurrentCount == 0)
            {
                _announced.Release();
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetSubscriber().UnsubscribeAsync(keys.SigningKeysChannel);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Going away anyway. Disposed: under a test host the app's own Run() may dispose the services (and the
            // shared connection) while the factory's StopAsync is still stopping us.
        }

        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _announced.Dispose();
        base.Dispose();
    }
}
