using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// BoardApi that has never reached Redis (a port nobody listens on): it cannot know which tokens are revoked, so it
/// fails closed, 503 for reads and writes alike, with nothing stored. (An outage after it was in sync is in
/// <see cref="RevocationOutageTests"/>.)
/// </summary>
public sealed class RedisOutageTests(BoardFixture fixture) : IClassFixture<BoardFixture>, IAsyncLifetime
{
    private BoardApiFactory _cutOff = null!;

    public Task InitializeAsync()
    {
        // The same database as the fixture's healthy instance; Redis unreachable, failing fast.
        _cutOff = new BoardApiFactory(fixture.Identity.Issuer, fixture.Board.DatabaseName, overrides: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = "127.0.0.1:1,connectTimeout=200,asyncTimeout=300,syncTimeout=300",
        })
        { DropDatabaseOnDispose = false };
        _cutOff.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _cutOff.DisposeAsync();

    [Fact]
    public async Task Requests_WhileRedisNeverReached_ServiceUnavailableAndNothingStored()
    {
        var user = await fixture.SignInNewUserAsync();
        var existing = await PostsClient.For(fixture.Board, user.AccessToken).CreateAsync("Kept", "Kept");
        var cutOff = PostsClient.For(_cutOff, user.AccessToken);

        var read = await cutOff.Http.GetAsync("/posts");
        await AssertProblemAsync(read, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(read.Headers.RetryAfter);
        await AssertProblemAsync(await cutOff.GetRawAsync(existing.Id), HttpStatusCode.ServiceUnavailable);
        await AssertProblemAsync(await cutOff.CreateRawAsync(new { title = "New", content = "New" }), HttpStatusCode.ServiceUnavailable);
        await AssertProblemAsync(await cutOff.DeleteRawAsync(existing.Id), HttpStatusCode.ServiceUnavailable);

        Assert.Equal(1, await fixture.Board.CountPostsAsync(user.Id));
    }
}
