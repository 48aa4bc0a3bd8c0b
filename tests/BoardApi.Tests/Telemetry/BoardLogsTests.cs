using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Telemetry;

/// <summary>BoardApi's access, slow-request and OpenIddict logs, every category at Trace, into a capture.</summary>
public sealed class BoardLogsTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    private (WebApplicationFactory<BoardApiMarker> Board, LogCapture Logs) TracedBoard(string slowThreshold = "00:01:00")
    {
        var capture = new LogCapture();
        var board = fixture.Board.WithWebHostBuilder(host =>
        {
            host.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
                ["Logging:LogLevel:OpenIddict"] = "Trace",
                ["Logging:LogLevel:RedisJwt.Access"] = "Trace",
                ["Telemetry:SlowRequestThreshold"] = slowThreshold,
            }));
            host.ConfigureTestServices(services => services.AddSingleton<ILoggerProvider>(capture));
        });
        return (board, capture);
    }

    [Fact]
    public async Task AccessLog_OneLinePerRequest_RouteStatusClientSubjectNoQuery()
    {
        var (board, logs) = TracedBoard();
        await using var _ = board;
        var client = board.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await fixture.ClientTokenAsync());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/posts?limit=7")).StatusCode);

        var line = await LineAsync(logs, "RedisJwt.Access");
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Contains("GET /posts/ 200 in ", line.Text);
        Assert.Contains($"client {IdentityServerFactory.ThirdPartyClientId}, subject {IdentityServerFactory.ThirdPartyClientId}", line.Text);
        Assert.DoesNotContain("limit", line.Text);
        Assert.DoesNotContain(logs.Entries, entry => entry.Category == "RedisJwt.SlowRequests");
    }

    [Fact]
    public async Task SlowRequests_OverTheThreshold_LoggedAtWarning()
    {
        var (board, logs) = TracedBoard(slowThreshold: "00:00:00.001");
        await using var _ = board;

        await board.CreateClient().GetAsync("/posts");

        var line = await LineAsync(logs, "RedisJwt.SlowRequests");
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("Slow request: GET /posts/ 401 took", line.Text);
    }

    [Fact]
    public async Task Tokens_AcceptedAndRejectedAtTraceLevel_NeverLogged()
    {
        var (board, logs) = TracedBoard();
        await using var _ = board;
        var valid = await fixture.ClientTokenAsync();
        var forged = (await TokenForge.ForAsync(fixture.Identity)).SignedByOtherKeyWithSameKid();

        foreach (var token in new[] { valid, forged })
        {
            var client = board.CreateClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            await client.GetAsync("/posts");
        }

        await LineAsync(logs, "RedisJwt.Access");
        Assert.Contains(logs.Entries, entry => entry.Category.StartsWith("OpenIddict.Validation") && entry.Level == LogLevel.Trace);
        foreach (var secret in new[] { valid, forged }.SelectMany(token => new[] { token, token[(token.LastIndexOf('.') + 1)..] }))
        {
            var leak = logs.Entries.FirstOrDefault(entry => entry.Text.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak == default, $"A token was logged by {leak.Category} at {leak.Level}: {leak.Text}");
        }
    }

    // Written as the request ends, which the in-memory client can see a moment before.
    private static async Task<(string Category, LogLevel Level, string Text)> LineAsync(LogCapture logs, string category)
    {
        await Eventually.TrueAsync(() => Task.FromResult(logs.Entries.Any(entry => entry.Category == category)));
        return logs.Entries.First(entry => entry.Category == category);
    }
}
