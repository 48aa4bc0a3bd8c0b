using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Cluster;

/// <summary>
/// An IdentityServer on a loopback port and a BoardApi trusting it, both on the Redis Cluster (one key prefix) and
/// watched for hash-slot errors. Each caller may write <see cref="Writes"/> posts an hour.
/// </summary>
public sealed class BoardClusterFixture : IAsyncLifetime
{
    public const int Writes = 3;

    public ClusterWatch Watch { get; } = new();

    public IdentityServerFactory Identity { get; private set; } = null!;

    public BoardApiFactory Board { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Watch.StartAsync();
        Identity = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(), overrides: ClusterWatch.Settings(Service.IdentityServer));
        Identity.TestServices += Watch.Watch;
        await Identity.InitializeAsync();
        Board = StartBoard(databaseName: null);
    }

    /// <summary>A BoardApi instance: with a database of its own (null), or another instance of the one on that database.</summary>
    public BoardApiFactory StartBoard(string? databaseName)
    {
        var settings = ClusterWatch.Settings(Service.BoardApi, new Dictionary<string, string?>
        {
            ["RateLimits:Policies:board-writes:PermitLimit"] = Writes.ToString(),
            ["RateLimits:Policies:board-writes:Window"] = "01:00:00",
        });
        var board = new BoardApiFactory(Identity.Issuer, databaseName, Identity.RedisPrefix, settings)
        {
            DropDatabaseOnDispose = databaseName is null,
            TestServices = Watch.Watch,
        };
        board.StartServer();
        return board;
    }

    public async Task DisposeAsync()
    {
        await Board.DisposeAsync();
        await Identity.DisposeAsync();
    }
}
