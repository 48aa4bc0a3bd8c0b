using System.Net;
using Npgsql;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// PostgreSQL unreachable under a running IdentityServer: what needs it answers 503 with Retry-After (at an OAuth
/// endpoint the error temporarily_unavailable), never 500; what does not (machine tokens of a recently seen client)
/// goes on.
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task DatabaseCut_SignInsAnswer503_MachineTokensFlow_AllRecover()
    {
        var databaseName = IdentityServerFactory.NewDatabaseName();
        var role = new NpgsqlConnectionStringBuilder(TestServers.Postgres(Service.IdentityServer, databaseName));
        await using var relay = new TcpRelay(role.Host!, role.Port);
        await using var server = IdentityServerFactory.Create(databaseName, IdentityServerFactory.NewRedisPrefix(), new Dictionary<string, string?>
        {
            ["ConnectionStrings:IdentityDb"] = new NpgsqlConnectionStringBuilder(role.ConnectionString)
            {
                Host = "127.0.0.1", Port = relay.Port,
            }.ConnectionString,
        });
        var client = server.CreateClient();
        await AuthApiClient.SignInAsync(client, IdentityServerFactory.DemoEmail, IdentityServerFactory.DemoPassword);
        await OAuth.ClientCredentialsAsync(client, "posts.read");

        relay.Cut();

        var signIn = await AuthApiClient.LoginAsync(client, IdentityServerFactory.DemoEmail, IdentityServerFactory.DemoPassword);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.Status);
        var page = await client.GetAsync("/Account/Login");
        Assert.True(page.IsSuccessStatusCode, $"the sign-in page itself needs no database, got {page.StatusCode}");
        // The client's snapshot (at most a minute old) authenticates it, and its token needs no row.
        var machine = await OAuth.ClientCredentialsAsync(client, "posts.read");
        // A client not seen yet must be read from the database: an OAuth error the client knows to retry.
        var introspection = await OAuth.IntrospectAsync(client, machine);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "temporarily_unavailable"), (introspection.Status, introspection.Error));
        Assert.True(introspection.Headers?.RetryAfter?.Delta > TimeSpan.Zero);

        relay.Restore();
        await Eventually.TrueAsync(async () =>
            (await AuthApiClient.LoginAsync(client, IdentityServerFactory.DemoEmail, IdentityServerFactory.DemoPassword)).Status == HttpStatusCode.OK);
        Assert.True((await OAuth.IntrospectAsync(client, machine)).Json.GetProperty("active").GetBoolean());
    }
}
