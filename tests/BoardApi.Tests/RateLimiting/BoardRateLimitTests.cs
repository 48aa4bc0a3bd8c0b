using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests.RateLimiting;

/// <summary>BoardApi with small limits: 4 writes and 5 reads per caller and hour, so no permit comes back mid-test.</summary>
public sealed class RateLimitedBoardFixture : BoardFixture
{
    public const int Writes = 4;
    public const int Reads = 5;

    protected override IDictionary<string, string?> BoardSettings => new Dictionary<string, string?>
    {
        ["RateLimits:Policies:board-writes:PermitLimit"] = Writes.ToString(),
        ["RateLimits:Policies:board-writes:Window"] = "01:00:00",
        ["RateLimits:Policies:board-reads:PermitLimit"] = Reads.ToString(),
        ["RateLimits:Policies:board-reads:Window"] = "01:00:00",
    };
}

/// <summary>
/// Two BoardApi instances of one deployment count a caller's requests together in Redis: the limit holds for the
/// deployment, not per process.
/// </summary>
public sealed class BoardRateLimitTests(RateLimitedBoardFixture fixture) : IClassFixture<RateLimitedBoardFixture>, IAsyncLifetime
{
    private BoardApiFactory _second = null!;

    public Task InitializeAsync()
    {
        _second = fixture.StartAnotherBoard();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _second.DisposeAsync();

    [Fact]
    public async Task Writes_AcrossTwoInstances_PermitLimitInTotalThenTooManyRequests()
    {
        var user = await fixture.SignInNewUserAsync();
        var instances = new[] { PostsClient.For(fixture.Board, user.AccessToken), PostsClient.For(_second, user.AccessToken) };

        // At once, alternating between the instances: the count is atomic as well as shared.
        var responses = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => instances[i % 2].CreateRawAsync(new { title = $"Post {i}", content = "Text" })));

        Assert.Equal(RateLimitedBoardFixture.Writes, responses.Count(response => response.StatusCode == HttpStatusCode.Created));
        var refused = responses.Where(response => response.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(10 - RateLimitedBoardFixture.Writes, refused.Count);
        foreach (var response in refused)
        {
            await AssertTooManyRequestsAsync(response, TimeSpan.FromMinutes(15));
        }

        Assert.Equal(RateLimitedBoardFixture.Writes, await fixture.Board.CountPostsAsync(user.Id));
    }

    [Fact]
    public async Task Writes_OverLimit_OtherUserAndReadsUnaffected()
    {
        var user = await fixture.SignInNewUserAsync();
        var other = await fixture.SignInNewUserAsync();
        var onFirst = PostsClient.For(fixture.Board, user.AccessToken);
        var onSecond = PostsClient.For(_second, user.AccessToken);
        var post = await onFirst.CreateAsync();
        await onSecond.CreateAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await onFirst.DeleteRawAsync(post.Id)).StatusCode);
        await onSecond.CreateAsync();

        await AssertTooManyRequestsAsync(await onFirst.CreateRawAsync(new { title = "One too many", content = "Text" }), TimeSpan.FromMinutes(15));
        await AssertTooManyRequestsAsync(await onSecond.DeleteRawAsync(post.Id), TimeSpan.FromMinutes(15));

        await PostsClient.For(_second, other.AccessToken).CreateAsync();
        await onSecond.ListAsync();
    }

    [Fact]
    public async Task Reads_AcrossTwoInstances_PermitLimitInTotalThenTooManyRequests()
    {
        var token = await fixture.ClientTokenAsync("posts.read");
        var instances = new[] { fixture.Board.CreateClient(token), _second.CreateClient(token) };

        for (var i = 0; i < RateLimitedBoardFixture.Reads; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await instances[i % 2].GetAsync($"/posts/{Guid.Empty}")).StatusCode);
        }

        await AssertTooManyRequestsAsync(await instances[1].GetAsync("/posts"), TimeSpan.FromMinutes(12));
        await AssertTooManyRequestsAsync(await instances[0].GetAsync($"/posts/{Guid.Empty}"), TimeSpan.FromMinutes(12));
    }

    [Fact]
    public async Task Requests_WithoutValidToken_UnauthorizedNotRateLimited()
    {
        var anonymous = fixture.Board.CreateClient(accessToken: null);

        for (var i = 0; i < RateLimitedBoardFixture.Reads + 2; i++)
        {
            AssertNoTokenChallenges(await anonymous.GetAsync("/posts"));
        }
    }

    private static async Task AssertTooManyRequestsAsync(HttpResponseMessage response, TimeSpan interval)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.Equal("Too many requests", problem.GetProperty("title").GetString());
        // The next permit: one interval (Window / PermitLimit) after the burst, less the time the test took.
        var retryAfter = Assert.IsType<TimeSpan>(response.Headers.RetryAfter?.Delta);
        Assert.InRange(retryAfter, interval - TimeSpan.FromMinutes(1), interval);
        Assert.Contains($"Try again in {retryAfter.TotalSeconds} seconds", problem.GetProperty("detail").GetString());
    }
}
