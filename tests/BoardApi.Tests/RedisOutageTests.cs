using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// BoardApi cut off from Redis (a port nobody listens on): reads still work, straight from PostgreSQL, and writes
/// are refused with nothing stored, because no instance could be told that its cached lists are out of date.
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
    public async Task Write_WhileRedisUnreachable_ServiceUnavailableAndNothingStored()
    {
        var user = await fixture.SignInNewUserAsync();
        var existing = await PostsClient.For(fixture.Board, user.AccessToken).CreateAsync("Kept", "Kept");
        var cutOff = PostsClient.For(_cutOff, user.AccessToken);

        await AssertProblemAsync(await cutOff.CreateRawAsync(new { title = "New", content = "New" }), HttpStatusCode.ServiceUnavailable);
        await AssertProblemAsync(await cutOff.UpdateRawAsync(existing.Id, new { title = "Changed", content = "x", version = existing.Version }),
            HttpStatusCode.ServiceUnavailable);
        await AssertProblemAsync(await cutOff.DeleteRawAsync(existing.Id), HttpStatusCode.ServiceUnavailable);

        Assert.Equal(1, await fixture.Board.CountPostsAsync(user.Id));
        Assert.Equal(existing, await cutOff.GetAsync(existing.Id));
    }

    [Fact]
    public async Task List_WhileRedisUnreachable_ServedFromDatabase()
    {
        var user = await fixture.SignInNewUserAsync();
        var post = await PostsClient.For(fixture.Board, user.AccessToken).CreateAsync();

        var page = await PostsClient.For(_cutOff, user.AccessToken).ListAsync($"?author={user.Id}");

        Assert.Equal([post.Id], page.Items.Select(item => item.Id));
    }
}
