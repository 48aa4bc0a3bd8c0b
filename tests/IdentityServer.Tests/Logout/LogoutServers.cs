using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Logout;

/// <summary>
/// An IdentityServer whose board-spa client registered <see cref="Receiver"/> as its back-channel logout URI, with
/// retries fast enough for a test to watch a client come back.
/// </summary>
public sealed class LogoutServers : IAsyncLifetime
{
    public LogoutReceiver Receiver { get; } = new();

    public IdentityServerFactory Server { get; private set; } = null!;

    public static Dictionary<string, string?> Settings(LogoutReceiver receiver) => new()
    {
        [$"Seed:Clients:{IdentityServerFactory.SpaClientId}:BackChannelLogoutUri"] = receiver.Uri.AbsoluteUri,
        [$"Seed:Clients:{IdentityServerFactory.SpaClientId}:BackChannelLogoutSessionRequired"] = "true",
        ["Logout:BackChannelRetryDelay"] = "00:00:00.200",
        ["Logout:BackChannelMaxRetryDelay"] = "00:00:01",
        ["Logout:BackChannelTimeout"] = "00:00:02",
        // /metrics, for the dead-letter count.
        ["Management:Port"] = Scrape.ManagementPort.ToString(),
    };

    public async Task InitializeAsync()
    {
        await Receiver.StartAsync();
        Server = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(), Settings(Receiver));
        await Server.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
