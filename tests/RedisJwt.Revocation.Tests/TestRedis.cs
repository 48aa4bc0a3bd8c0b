using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RedisJwt.Testing;
using StackExchange.Redis;

namespace RedisJwt.Revocation.Tests;

/// <summary>
/// The test Redis test.sh starts (REDISJWT_TEST_REDIS, as the administrator), under a key prefix of this instance's own,
/// and views and writers on it that share one clock the test moves. A missing server fails the test.
/// </summary>
public sealed class TestRedis : IAsyncDisposable
{
    private readonly List<IConnectionMultiplexer> _connections = [];

    public RevocationKeys Keys { get; } = new($"test:{Guid.NewGuid():N}:");

    public ShiftedClock Clock { get; } = new();

    public static ConfigurationOptions Configuration => ConfigurationOptions.Parse(
        Environment.GetEnvironmentVariable("REDISJWT_TEST_REDIS") is { Length: > 0 } connectionString
            ? connectionString
            : throw new InvalidOperationException("REDISJWT_TEST_REDIS is not set: run the tests with ./test.sh."));

    /// <summary>A connection of its own, so that cutting or blocking it affects nothing else of the test.</summary>
    public async Task<IConnectionMultiplexer> ConnectAsync(Action<ConfigurationOptions>? configure = null)
    {
        var options = Configuration;
        configure?.Invoke(options);
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        _connections.Add(connection);
        return connection;
    }

    /// <summary>Redis as a resource server sees it when nothing listens where it points.</summary>
    public async Task<IConnectionMultiplexer> ConnectToNothingAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return await ConnectAsync(options =>
        {
            options.EndPoints.Clear();
            options.EndPoints.Add(IPAddress.Loopback, closedPort);
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 200;
        });
    }

    /// <summary>A connection through <paramref name="relay"/>, to be cut.</summary>
    public Task<IConnectionMultiplexer> ConnectThroughAsync(TcpRelay relay) => ConnectAsync(options =>
    {
        options.EndPoints.Clear();
        options.EndPoints.Add(IPAddress.Loopback, relay.Port);
        options.AbortOnConnectFail = false;
    });

    /// <summary>A relay in front of the test Redis.</summary>
    public static TcpRelay Relay() => Configuration.EndPoints.Single() switch
    {
        DnsEndPoint server => new TcpRelay(server.Host, server.Port),
        IPEndPoint server => new TcpRelay(server.Address.ToString(), server.Port),
        var other => throw new InvalidOperationException($"REDISJWT_TEST_REDIS: an endpoint {other} is neither host:port nor ip:port."),
    };

    public RevocationView View(IConnectionMultiplexer redis, TimeSpan? degradedWindow = null) =>
        new(redis, Keys, Options.Create(new RevocationOptions { DegradedWindow = degradedWindow ?? TimeSpan.FromSeconds(30) }),
            Clock, NullLogger<RevocationView>.Instance);

    /// <summary>A view in sync with an index holding nothing yet: it answers from memory alone.</summary>
    public async Task<RevocationView> SynchronizedViewAsync()
    {
        var view = View(await ConnectAsync());
        Assert.True(await view.SynchronizeAsync());
        return view;
    }

    public RevocationWriter Writer(IConnectionMultiplexer redis) => new(redis, Keys, Clock);

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}
