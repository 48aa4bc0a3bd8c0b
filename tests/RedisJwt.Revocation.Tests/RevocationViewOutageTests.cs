using RedisJwt.Testing;
using StackExchange.Redis;
using static RedisJwt.Revocation.Tests.RevocationViewTests;

namespace RedisJwt.Revocation.Tests;

/// <summary>
/// Redis out of reach: the view goes on with what it knew for the degraded window, then fails closed; a view that never
/// had the whole picture fails closed at once; and a synchronization the channel was lost during is not trusted.
/// </summary>
public sealed class RevocationViewOutageTests : IAsyncLifetime
{
    private static readonly TimeSpan DegradedWindow = TimeSpan.FromSeconds(30);

    private readonly TestRedis _redis = new();

    private DateTimeOffset Now => _redis.Clock.GetUtcNow();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _redis.DisposeAsync().AsTask();

    [Fact]
    public async Task Check_LostAfterSyncAndRedisUnreachable_JudgedOnWhatItKnewWithinTheWindowThenUnknown()
    {
        await using var relay = TestRedis.Relay();
        var redis = await _redis.ConnectThroughAsync(relay);
        var view = _redis.View(redis, DegradedWindow);
        Assert.True(await view.SynchronizeAsync());
        view.Apply(Revoked.Token("revoked", Now.AddMinutes(5)));

        relay.Cut();
        await Eventually.TrueAsync(() => Task.FromResult(!redis.IsConnected));
        view.MarkOutOfSync(); // What the subscriber does when the subscription fails.

        _redis.Clock.Offset = DegradedWindow - TimeSpan.FromSeconds(1);
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(TokenWith(RevocationKind.Token, "revoked")));
        Assert.Equal(RevocationStatus.Valid, await view.CheckAsync(TokenWith(RevocationKind.Token, "other")));

        _redis.Clock.Offset = DegradedWindow + TimeSpan.FromSeconds(1);
        Assert.Equal(RevocationStatus.Unknown, await view.CheckAsync(TokenWith(RevocationKind.Token, "other")));
        // What it knows stays known: failing closed must not turn a revoked token into an unknown one.
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(TokenWith(RevocationKind.Token, "revoked")));
    }

    [Fact]
    public async Task Check_NeverInSyncAndRedisUnreachable_UnknownAtOnce()
    {
        var view = _redis.View(await _redis.ConnectToNothingAsync(), DegradedWindow);
        view.Apply(Revoked.Token("revoked", Now.AddMinutes(5)));

        Assert.Equal(RevocationStatus.Unknown, await view.CheckAsync(TokenWith(RevocationKind.Token, "other")));
        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(TokenWith(RevocationKind.Token, "revoked")));
    }

    [Fact]
    public async Task SynchronizeAsync_ChannelLostWhileLoading_FalseUntilALoadWithoutLoss()
    {
        var redis = await _redis.ConnectAsync();
        var admin = await _redis.ConnectAsync();
        var view = _redis.View(redis);
        // BLPOP holds the view's connection, so its index read waits behind it until the test pushes: the loss below
        // falls between the start and the end of the load, whatever the machine's speed.
        RedisKey gate = $"test:{Guid.NewGuid():N}:gate";
        var holding = redis.GetDatabase().ExecuteAsync("BLPOP", gate, 30);

        var loading = view.SynchronizeAsync();
        view.MarkOutOfSync(); // Never in sync yet: the loss must count all the same.
        await admin.GetDatabase().ListLeftPushAsync(gate, "go");
        await holding;

        Assert.False(await loading);
        Assert.False(view.InSync);
        Assert.True(await view.SynchronizeAsync());
        Assert.True(view.InSync);
    }
}
