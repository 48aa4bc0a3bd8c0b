using System.Net;
using System.Net.Http.Json;
using Npgsql;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests;

/// <summary>PostgreSQL unreachable under a running BoardApi: 503 with Retry-After, never 500; back once it returns.</summary>
public sealed class DatabaseOutageTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    [Fact]
    public async Task DatabaseCut_ReadsAndWritesAnswer503WithRetryAfter_ThenRecover()
    {
        var databaseName = $"board_test_{Guid.NewGuid():N}";
        var server = new NpgsqlConnectionStringBuilder(TestServers.Postgres(Service.BoardApi, databaseName));
        await using var relay = new TcpRelay(server.Host!, server.Port);
        await using var board = new BoardApiFactory(fixture.Identity.Issuer, databaseName, overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:BoardDb"] = new NpgsqlConnectionStringBuilder(server.ConnectionString)
            {
                Host = "127.0.0.1", Port = relay.Port,
            }.ConnectionString,
        });
        board.StartServer();
        var token = await fixture.ClientTokenAsync();
        var client = board.CreateClient(token);
        var unknownPost = $"/posts/{Guid.NewGuid()}";
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(unknownPost)).StatusCode);

        relay.Cut();

        foreach (var response in new[]
        {
            await client.GetAsync(unknownPost),
            await client.PostAsJsonAsync("/posts", new { title = "During the outage", content = "Not saved." }),
        })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        }

        relay.Restore();
        await Eventually.TrueAsync(async () => (await client.GetAsync(unknownPost)).StatusCode == HttpStatusCode.NotFound);
    }
}
