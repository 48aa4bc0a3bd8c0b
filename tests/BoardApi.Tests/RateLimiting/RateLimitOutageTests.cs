using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Revocation;
using RedisJwt.Testing;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests.RateLimiting;

/// <summary>
/// BoardApi's own Redis stops (the IdentityServer's does not): reads fail open, served beyond their quota, while
/// writes fail closed with a clean 503 and Retry-After, nothing stored; once Redis is back, writes are counted again.
/// The revocation degraded window is made long, so that only the rate limits are on trial.
/// </summary>
public sealed class RateLimitOutageTests(BoardFixture fixture) : IClassFixture<BoardFixture>, IAsyncLifetime
{
    private const int ReadLimit = 2;
    private readonly RedisProcess _redis = new();
    private BoardApiFactory _board = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _board = new BoardApiFactory(fixture.Identity.Issuer, fixture.Board.DatabaseName, overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = _redis.ConnectionStringAs(Service.BoardApi),
            ["Revocation:DegradedWindow"] = "00:05:00",
            ["RateLimits:Policies:board-reads:PermitLimit"] = ReadLimit.ToString(),
            ["RateLimits:Policies:board-reads:Window"] = "01:00:00",
        })
        { DropDatabaseOnDispose = false };
        _board.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _board.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RedisStopped_ReadsServedWritesServiceUnavailableThenRecovered()
    {
        var user = await fixture.SignInNewUserAsync();
        var posts = PostsClient.For(_board, user.AccessToken);
        var existing = await posts.CreateAsync("Kept", "Kept");
        var view = _board.Services.GetRequiredService<RevocationView>();
        await Eventually.TrueAsync(() => Task.FromResult(view.InSync));

        await _redis.StopAsync();

        for (var i = 0; i < ReadLimit + 3; i++)
        {
            Assert.Equal("Kept", (await posts.GetAsync(existing.Id)).Title);
        }

        Assert.Contains(existing.Id, (await posts.ListAsync()).Items.Select(item => item.Id));

        foreach (var write in new[]
        {
            await posts.CreateRawAsync(new { title = "New", content = "New" }),
            await posts.UpdateRawAsync(existing.Id, new { title = "Edited", content = "Edited", version = existing.Version }),
            await posts.DeleteRawAsync(existing.Id),
        })
        {
            var problem = await AssertProblemAsync(write, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("rate limit", problem.GetProperty("detail").GetString());
            Assert.Equal(TimeSpan.FromSeconds(5), write.Headers.RetryAfter?.Delta);
        }

        Assert.Equal("Kept", (await posts.GetAsync(existing.Id)).Title);
        Assert.Equal(1, await _board.CountPostsAsync(user.Id));

        await _redis.StartAsync();

        await Eventually.TrueAsync(async () =>
            (await posts.CreateRawAsync(new { title = "After", content = "After" })).StatusCode == HttpStatusCode.Created,
            TimeSpan.FromSeconds(30));
        // Counted again now: reads beyond the quota are refused.
        await Eventually.TrueAsync(async () => (await posts.GetRawAsync(existing.Id)).StatusCode == HttpStatusCode.TooManyRequests);
    }
}
