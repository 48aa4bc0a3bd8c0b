using System.Diagnostics;
using Microsoft.Extensions.Options;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// scripts/migrate-redis-keys.sh moves a deployment's data from the key names before the hash tags to the ones
/// <see cref="RedisKeys"/> builds now, so that nothing revoked, no session and no queued message is lost.
/// </summary>
public sealed class RedisKeyMigrationTests : IAsyncLifetime
{
    private const string Prefix = "redisjwt:";
    private const string User = "5b1e0c7a-8d2f-4e61-9c3b-0a7d2e4f6b18";

    private readonly RedisProcess _redis = new();
    private readonly RedisKeys _keys = new(Options.Create(new RedisOptions { KeyPrefix = Prefix }));
    private ConnectionMultiplexer _connection = null!;

    private IDatabase Database => _connection.GetDatabase();

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.AdminConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task OldNames_RenamedKeepingExpiryGroupsAndPendingEntries_TwiceIsHarmless()
    {
        var revoked = Revoked.Token("jti-1", DateTimeOffset.UtcNow.AddMinutes(10));
        // As the previous version wrote them.
        await Database.StringSetAsync($"{Prefix}revoked:jti:jti-1", "1", TimeSpan.FromMinutes(10));
        await Database.SortedSetAddAsync($"{Prefix}revoked:index", revoked.Encode(), revoked.ExpiresAt.ToUnixTimeMilliseconds());
        await Database.HashSetAsync($"{Prefix}session:{User}", "sid-1", "{}");
        await Database.SetAddAsync($"{Prefix}session-authorizations:sid-1", "family-1");
        var stream = $"{Prefix}message-topic-30s";
        await Database.StreamAddAsync(stream, "id", "message-1");
        await Database.StreamCreateConsumerGroupAsync(stream, "senders", StreamPosition.Beginning);
        await Database.StreamReadGroupAsync(stream, "senders", "consumer-1", ">");
        await Database.SortedSetAddAsync($"{stream}:retry", "{}", 1);

        Assert.Contains("renamed 6 key(s); 0 kept both", await MigrateAsync());

        Assert.Equal("1", await Database.StringGetAsync(_keys.Revoked(revoked)));
        var ttl = await Database.KeyTimeToLiveAsync(_keys.Revoked(revoked));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        Assert.Equal(revoked.Encode(), (await Database.SortedSetRangeByRankAsync(_keys.RevocationIndex)).Single());
        Assert.True(await Database.HashExistsAsync(_keys.Sessions(User), "sid-1"));
        Assert.Equal("family-1", (await Database.SetMembersAsync(_keys.SessionAuthorizations(User, "sid-1"))).Single());
        Assert.Equal(1, (await Database.StreamPendingAsync(_keys.MessageStream("message-topic-30s"), "senders")).PendingMessageCount);
        Assert.Equal(1, await Database.SortedSetLengthAsync(_keys.MessageRetries("message-topic-30s")));
        Assert.Contains("renamed 0 key(s); 0 kept both", await MigrateAsync());
    }

    private async Task<string> MigrateAsync()
    {
        using var script = Process.Start(new ProcessStartInfo("bash",
            [Repository.PathOf("scripts", "migrate-redis-keys.sh"), "-p", _redis.Port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // An operator's run: as the administrator, the password through the environment as redis-cli reads it.
            Environment = { ["REDISJWT_PREFIX"] = Prefix, ["REDISCLI_AUTH"] = TestServers.RedisPassword(TestServers.RedisAdminUser) },
        })!;
        var output = await script.StandardOutput.ReadToEndAsync() + await script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();
        Assert.True(script.ExitCode == 0, output);
        return output;
    }
}
