using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.BoardApi.Tests.Security;

/// <summary>
/// Review finding 3 (issue 17), who may do what in Redis. The Redis users on the real test Redis, as test.sh loaded them from deploy/redis/users.acl.template: whoever holds
/// BoardApi's Redis password reads revocations and nothing of the IdentityServer's (the Data Protection key ring,
/// sessions), and can record no revocation, directly or from a script, nor announce one.
/// </summary>
public sealed class RedisAclTests : IAsyncLifetime
{
    private readonly string _prefix = IdentityServerFactory.NewRedisPrefix();
    private readonly RedisKeys _keys;
    private readonly RedisKey _revoked;
    private ConnectionMultiplexer _admin = null!;
    private ConnectionMultiplexer _board = null!;
    private ConnectionMultiplexer _identity = null!;

    public RedisAclTests()
    {
        _keys = new(Options.Create(new RedisOptions { KeyPrefix = _prefix }));
        _revoked = _keys.Revoked(Revoked.Token("jti-1", DateTimeOffset.UtcNow.AddMinutes(5)));
    }

    private RedisKey[] Written => [_keys.DataProtectionKeys, _revoked, _keys.RevocationIndex, _keys.Sessions("user-1"), _keys.PostListGeneration];

    public async Task InitializeAsync()
    {
        _admin = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        var admin = _admin.GetDatabase();
        await admin.ListRightPushAsync(_keys.DataProtectionKeys, "<key id=\"1\"><secret/></key>");
        await admin.StringSetAsync(_revoked, "1", TimeSpan.FromMinutes(5));
        await admin.SortedSetAddAsync(_keys.RevocationIndex, "token|jti-1|0", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds());
        await admin.HashSetAsync(_keys.Sessions("user-1"), "sid-1", "{}");
        await admin.StringSetAsync(_keys.PostListGeneration, "generation-1");
        _board = await ConnectionMultiplexer.ConnectAsync(Probe(TestServers.RedisAs(Service.BoardApi)));
        _identity = await ConnectionMultiplexer.ConnectAsync(Probe(TestServers.RedisAs(Service.IdentityServer)));
    }

    public async Task DisposeAsync()
    {
        await _admin.GetDatabase().KeyDeleteAsync(Written);
        await _identity.DisposeAsync();
        await _board.DisposeAsync();
        await _admin.DisposeAsync();
    }

    [Fact]
    public async Task BoardApiUser_ReadsRevocations_RefusedTheKeyRingAndEveryRevocationWrite()
    {
        var board = _board.GetDatabase();
        Assert.Equal("1", await board.StringGetAsync(_revoked));
        Assert.Single(await board.SortedSetRangeByScoreAsync(_keys.RevocationIndex, 0));

        await RefusedAsync(() => board.ListRangeAsync(_keys.DataProtectionKeys));
        await RefusedAsync(() => board.ListRightPushAsync(_keys.DataProtectionKeys, "<key id=\"planted\"/>"));
        await RefusedAsync(() => board.HashGetAllAsync(_keys.Sessions("user-1")));
        await RefusedAsync(() => board.StringSetAsync(_revoked, "0"));
        await RefusedAsync(() => board.KeyDeleteAsync(_revoked));
        await RefusedAsync(() => board.SortedSetRemoveAsync(_keys.RevocationIndex, "token|jti-1|0"));
        await RefusedAsync(() => board.SortedSetAddAsync(_keys.RevocationIndex, "user|someone|0", 0));
        // A script's commands and keys are checked too, whether it names its keys or not (SET and GET it may run).
        await RefusedAsync(() => board.ScriptEvaluateAsync("return redis.call('SET', KEYS[1], '0')", [_revoked]));
        await RefusedAsync(() => board.ScriptEvaluateAsync($"return redis.call('SET', '{_revoked}', '0')"));
        await RefusedAsync(() => board.ScriptEvaluateAsync($"return redis.call('GET', '{_keys.DataProtectionKeys}')"));
        await RefusedAsync(() => board.PublishAsync(_keys.RevocationChannel, "user|someone|0"));

        var admin = _admin.GetDatabase();
        Assert.Equal("1", await admin.StringGetAsync(_revoked));
        Assert.Equal(1, await admin.ListLengthAsync(_keys.DataProtectionKeys));
        Assert.Equal(1, await admin.SortedSetLengthAsync(_keys.RevocationIndex));
    }

    [Fact]
    public async Task IdentityServerUser_RefusedBoardApisCache_AndAdministration()
    {
        var identity = _identity.GetDatabase();

        await RefusedAsync(() => identity.StringGetAsync(_keys.PostListGeneration));
        await RefusedAsync(() => identity.StringSetAsync(_keys.PostListGeneration, "stale"));
        await RefusedAsync(() => identity.ExecuteAsync("FLUSHALL"));
        await RefusedAsync(() => identity.ExecuteAsync("CONFIG", "GET", "*"));
        Assert.Equal("generation-1", await _admin.GetDatabase().StringGetAsync(_keys.PostListGeneration));
    }

    [Fact]
    public async Task NoUser_Refused()
    {
        var endPoint = ConfigurationOptions.Parse(TestServers.Redis).EndPoints.Single();
        var (host, port) = endPoint is System.Net.DnsEndPoint dns ? (dns.Host, dns.Port) : (((System.Net.IPEndPoint)endPoint).Address.ToString(), ((System.Net.IPEndPoint)endPoint).Port);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray());
        var reply = new byte[64];
        var read = await stream.ReadAsync(reply);

        Assert.StartsWith("-NOAUTH", Encoding.ASCII.GetString(reply, 0, read));
    }

    [Fact]
    public async Task RevocationWrittenAsTheIdentityServer_SurvivesARestart_ReadByBoardApi()
    {
        // Redis replays its append-only file as the default user: were that user restricted, the MULTI a revocation is
        // written in would be dropped on restart, silently (redis/redis#14541). It is the administrator instead.
        await using var redis = new RedisProcess();
        await redis.StartAsync();
        var revoked = Revoked.Family("aid-1", DateTimeOffset.UtcNow.AddMinutes(5));
        await using (var identity = await ConnectionMultiplexer.ConnectAsync(Probe(redis.ConnectionStringAs(Service.IdentityServer))))
        {
            await new RevocationWriter(identity, new RevocationKeys(_prefix), TimeProvider.System).RevokeAsync(revoked);
        }

        await redis.StopAsync();
        await redis.StartAsync();

        await using var board = await ConnectionMultiplexer.ConnectAsync($"{Probe(redis.ConnectionStringAs(Service.BoardApi))},connectTimeout=5000");
        Assert.Equal(revoked.Value, await board.GetDatabase().StringGetAsync(_keys.Revoked(revoked)));
        Assert.Equal(revoked.Encode(), (await board.GetDatabase().SortedSetRangeByScoreAsync(_keys.RevocationIndex, 0)).Single());
    }

    // Named so that the checks of what Redis refused (test.sh, RedisProcess) leave out what these tests are refused on
    // purpose, and what StackExchange.Redis asks for beyond a service's rights when not set up as the services set it up.
    private static string Probe(string connectionString) => $"{connectionString},name={AclRefusals.ProbeClientName}";

    // NOPERM at the top level; inside a script, Redis 7.0 words it as the script's user lacking the command or key.
    private static async Task RefusedAsync(Func<Task> command)
    {
        var error = await Assert.ThrowsAsync<RedisServerException>(command);
        Assert.True(error.Message.StartsWith("NOPERM", StringComparison.Ordinal)
            || error.Message.Contains("The user executing the script can't", StringComparison.Ordinal), error.Message);
    }
}
