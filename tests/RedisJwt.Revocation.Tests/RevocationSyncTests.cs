using Microsoft.Extensions.Logging.Abstractions;
using RedisJwt.Testing;
using static RedisJwt.Revocation.Tests.RevocationViewTests;

namespace RedisJwt.Revocation.Tests;

/// <summary>
/// What the writer records reaches a view on the real Redis every way it can: by lookup before the view is in sync, from
/// the index when it synchronizes, on the channel once subscribed, and from the index again after a lost subscription.
/// </summary>
public sealed class RevocationSyncTests : IAsyncLifetime
{
    private readonly TestRedis _redis = new();
    private RevocationWriter _writer = null!;

    private DateTimeOffset Now => _redis.Clock.GetUtcNow();

    public async Task InitializeAsync() => _writer = _redis.Writer(await _redis.ConnectAsync());

    public Task DisposeAsync() => _redis.DisposeAsync().AsTask();

    [Fact]
    public async Task Check_NotYetInSync_AnsweredByRedis()
    {
        var before = Now.AddSeconds(-10);
        await _writer.RevokeAsync(Revoked.Session("sid-1", Now.AddMinutes(5)), Revoked.User("user-1", before, Now.AddMinutes(5)));
        var view = _redis.View(await _redis.ConnectAsync());
        var mark = before.ToUnixTimeSeconds();

        Assert.False(view.InSync);
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(TokenWith(RevocationKind.Session, "sid-1")));
        Assert.Equal(RevocationStatus.Valid, await view.CheckAsync(TokenWith(RevocationKind.Session, "sid-2")));
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(IssuedTo("user-1", mark - 1)));
        Assert.Equal(RevocationStatus.Valid, await view.CheckAsync(IssuedTo("user-1", mark)));
    }

    [Fact]
    public async Task SynchronizeAsync_LoadsEveryRevocationOfTheIndex()
    {
        var before = Now.AddSeconds(-10);
        await _writer.RevokeAsync(Revoked.Token("jti-1", Now.AddMinutes(5)), Revoked.Family("aid-1", Now.AddMinutes(5)),
            Revoked.User("user-1", before, Now.AddMinutes(5)));
        var view = _redis.View(await _redis.ConnectAsync());

        Assert.True(await view.SynchronizeAsync());
        // Gone from Redis: what the view still knows, it loaded.
        var admin = await _redis.ConnectAsync();
        await admin.GetDatabase().KeyDeleteAsync([_redis.Keys.Index,
            _redis.Keys.Revoked(Revoked.Token("jti-1", default)), _redis.Keys.Revoked(Revoked.Family("aid-1", default)),
            _redis.Keys.Revoked(Revoked.User("user-1", default, default))]);

        // In sync, the view asks Redis nothing: these answers come from what it loaded.
        Assert.True(view.InSync);
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(TokenWith(RevocationKind.Token, "jti-1")));
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(TokenWith(RevocationKind.Family, "aid-1")));
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(IssuedTo("user-1", before.ToUnixTimeSeconds() - 1)));
        Assert.Equal(RevocationStatus.Valid, await view.CheckAsync(TokenWith(RevocationKind.Token, "jti-2")));
    }

    [Fact]
    public async Task Subscriber_RevocationPublished_ReachesTheViewInSync()
    {
        var redis = await _redis.ConnectAsync();
        var view = _redis.View(redis);
        using var subscriber = new RevocationSubscriber(redis, _redis.Keys, view, NullLogger<RevocationSubscriber>.Instance);
        await subscriber.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(view.InSync));

        await _writer.RevokeAsync(Revoked.Token("jti-1", Now.AddMinutes(5)));

        await Eventually.TrueAsync(async () => await view.CheckAsync(TokenWith(RevocationKind.Token, "jti-1")) == RevocationStatus.Revoked);
        Assert.True(view.InSync);
        await subscriber.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Subscriber_SubscriptionCutAndRestored_LoadsWhatWasRevokedMeanwhile()
    {
        await using var relay = TestRedis.Relay();
        var redis = await _redis.ConnectThroughAsync(relay);
        var view = _redis.View(redis);
        using var subscriber = new RevocationSubscriber(redis, _redis.Keys, view, NullLogger<RevocationSubscriber>.Instance);
        await subscriber.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(view.InSync));

        relay.Cut();
        await Eventually.TrueAsync(() => Task.FromResult(!view.InSync));
        // Published while the view's subscription is down: the message is lost to it, the index keeps the revocation.
        await _writer.RevokeAsync(Revoked.Token("jti-1", Now.AddMinutes(5)));
        relay.Restore();

        await Eventually.TrueAsync(() => Task.FromResult(view.InSync), TimeSpan.FromSeconds(30));
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(TokenWith(RevocationKind.Token, "jti-1")));
        await subscriber.StopAsync(CancellationToken.None);
    }
}
