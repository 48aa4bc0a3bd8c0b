using Microsoft.Extensions.Logging.Abstractions;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>Renewal of the entries a consumer holds, on a real stream.</summary>
public sealed class HeldEntriesTests : IAsyncLifetime
{
    private const string Group = "senders";
    private readonly RedisKey _stream = $"{IdentityServerFactory.NewRedisPrefix()}held-entries";
    private ConnectionMultiplexer _redis = null!;

    private IDatabase Database => _redis.GetDatabase();

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        await Database.StreamCreateConsumerGroupAsync(_stream, Group, StreamPosition.Beginning, createStream: true);
        await Database.StreamAddAsync(_stream, "field", "value");
    }

    public async Task DisposeAsync()
    {
        await Database.KeyDeleteAsync(_stream);
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Renewed_IdleTimeResetWithoutCountingADelivery()
    {
        var entry = (await Database.StreamReadGroupAsync(_stream, Group, "holder", ">")).Single();
        var held = new HeldEntries(Database, _stream, Group, "holder", [entry]);

        await RenewOnceAsync(held, afterIdle: TimeSpan.FromMilliseconds(600));

        var pending = (await Database.StreamPendingMessagesAsync(_stream, Group, 1, "holder")).Single();
        Assert.True(pending.IdleTimeInMilliseconds < 500, $"idle {pending.IdleTimeInMilliseconds} ms after a renewal");
        Assert.Equal(1, pending.DeliveryCount);
        Assert.False(held.IsLost(entry.Id));
    }

    [Fact]
    public async Task ClaimedByAnotherConsumer_Lost_AndNotTakenBack()
    {
        var entry = (await Database.StreamReadGroupAsync(_stream, Group, "holder", ">")).Single();
        var held = new HeldEntries(Database, _stream, Group, "holder", [entry]);
        await Database.StreamClaimAsync(_stream, Group, "claimer", 0, [entry.Id]);

        await RenewOnceAsync(held, afterIdle: TimeSpan.Zero);

        Assert.True(held.IsLost(entry.Id));
        Assert.Equal("claimer", (await Database.StreamPendingMessagesAsync(_stream, Group, 1, RedisValue.Null)).Single().ConsumerName);
    }

    [Fact]
    public async Task Released_NoLongerRenewed()
    {
        var entry = (await Database.StreamReadGroupAsync(_stream, Group, "holder", ">")).Single();
        var held = new HeldEntries(Database, _stream, Group, "holder", [entry]);
        held.Release(entry.Id);

        await RenewOnceAsync(held, afterIdle: TimeSpan.FromMilliseconds(600));

        Assert.True((await Database.StreamPendingMessagesAsync(_stream, Group, 1, "holder")).Single().IdleTimeInMilliseconds >= 500);
    }

    // Lets the entry idle, then runs the renewal loop long enough for one pass (its interval is 100 ms).
    private static async Task RenewOnceAsync(HeldEntries held, TimeSpan afterIdle)
    {
        await Task.Delay(afterIdle);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(250));
        await held.RenewAsync(TimeSpan.FromMilliseconds(100), TimeProvider.System, NullLogger.Instance, stop.Token);
    }
}
