using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.IdentityServer.Tests.Messages;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Cluster;

/// <summary>
/// Two IdentityServer instances of one deployment (same database, same key prefix) on the Redis Cluster, watched for
/// hash-slot errors. Email goes to a recording provider that answers by recipient, so messages take every path.
/// </summary>
public sealed class IdentityClusterFixture : IAsyncLifetime
{
    /// <summary>Its sends fail the first time (a retry), for good (a dead letter), or take a while (held entries renewed).</summary>
    public const string FailOnce = "fail-once", Refused = "refused", Slow = "slow";

    private int _failures;

    public ClusterWatch Watch { get; } = new();

    public RecordingProvider Email { get; }

    public IdentityServerFactory Server { get; }

    public IdentityServerFactory Other { get; }

    public IdentityClusterFixture()
    {
        Email = new RecordingProvider(async (message, cancellationToken) =>
        {
            if (message.Recipient.StartsWith(FailOnce, StringComparison.Ordinal) && Interlocked.Increment(ref _failures) == 1)
            {
                throw new HttpRequestException("gateway answered 503");
            }

            if (message.Recipient.StartsWith(Refused, StringComparison.Ordinal))
            {
                throw new MessageNotAcceptedException("The gateway answered 400 (BadRequest).", permanent: true);
            }

            if (message.Recipient.StartsWith(Slow, StringComparison.Ordinal))
            {
                // Longer than two renewals (every ClaimAfter / 3).
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        });

        var prefix = IdentityServerFactory.NewRedisPrefix();
        Server = Instance(IdentityServerFactory.NewDatabaseName(), prefix);
        Other = Instance(Server.DatabaseName, prefix);
        Other.DropDatabaseOnDispose = false;
    }

    public async Task InitializeAsync()
    {
        await Watch.StartAsync();
        await Server.InitializeAsync();
        await Other.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Other.DisposeAsync();
        await Server.DisposeAsync();
    }

    private IdentityServerFactory Instance(string databaseName, string prefix)
    {
        var server = RecordingProvider.Server(Email, prefix, ClusterWatch.Settings(Service.IdentityServer, new Dictionary<string, string?>
        {
            ["Messages:ClaimAfter"] = "00:00:03",
            ["Messages:SendTimeout"] = "00:00:02.500",
            ["Logout:BackChannelTimeout"] = "00:00:02.500",
        }), databaseName);
        server.TestServices += Watch.Watch;
        return server;
    }
}
