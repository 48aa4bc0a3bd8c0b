using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.IdentityServer.Logout;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Logout;

/// <summary>
/// An instance stops while a back-channel logout is in flight: the notification stays pending in the consumer group,
/// another instance claims it and delivers it, with the same jti, so a receiver that drops repeats acts on it once.
/// </summary>
public sealed class BackChannelLogoutCrashTests : IAsyncLifetime
{
    private readonly LogoutReceiver _receiver = new();
    private readonly string _database = NewDatabaseName();
    private readonly string _prefix = NewRedisPrefix();

    public Task InitializeAsync() => _receiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private Dictionary<string, string?> Settings => new(LogoutServers.Settings(_receiver))
    {
        // Claimed soon after its consumer is gone; a send still waiting must not time out before the instance stops.
        ["Messages:ClaimAfter"] = "00:00:04",
        ["Logout:BackChannelTimeout"] = "00:00:03.500",
        ["Messages:SendTimeout"] = "00:00:03.500",
    };

    [Fact]
    public async Task InstanceStoppedMidDelivery_AnotherDeliversTheSameJti_ActedOnOnce()
    {
        var first = Create(_database, _prefix, Settings);
        await first.InitializeAsync();
        var spa = await SignedInSpa.StartAsync(first, email: (await first.CreateUserAsync()).Email!, password: "Str0ng!Password");
        _receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await spa.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri, spa.IdToken));
        await Eventually.TrueAsync(() => Task.FromResult(!_receiver.Requests.IsEmpty));

        // Gone with the POST unanswered: nothing acknowledged it.
        first.DropDatabaseOnDispose = false;
        await first.DisposeAsync();
        _receiver.Hold.TrySetResult();
        _receiver.Hold = null;

        await using var second = Create(_database, _prefix, Settings);
        await second.InitializeAsync();
        // The second POST is the other instance's: the first instance's never got an answer.
        await Eventually.TrueAsync(() => Task.FromResult(_receiver.Requests.Count >= 2), TimeSpan.FromSeconds(20));

        // And done with: acknowledged in the group, neither waiting for a retry nor dead-lettered.
        var keys = second.Services.GetRequiredService<RedisKeys>();
        var redis = second.AdminRedis.GetDatabase();
        await Eventually.TrueAsync(async () =>
            (await redis.StreamPendingAsync(keys.MessageStream(BackChannelLogouts.Topic), "senders")).PendingMessageCount == 0);
        Assert.Equal(0, await redis.SortedSetLengthAsync(keys.MessageRetries(BackChannelLogouts.Topic)));
        Assert.False(await redis.KeyExistsAsync(keys.MessageDeadLetters(BackChannelLogouts.Topic)));
        Assert.Single(_receiver.AcceptedIds);
        var sid = new JsonWebToken(spa.IdToken).GetClaim("sid").Value;
        Assert.All(_receiver.Tokens, token => Assert.Equal(sid, token.GetClaim("sid").Value));
        Assert.Single(_receiver.Tokens.Select(token => token.Id).Distinct());
    }
}
