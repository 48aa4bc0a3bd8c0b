using RedisJwt.BoardApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// Two BoardApi instances of one deployment (same database, same Redis prefix), each with its own in-memory cache:
/// a write on one is seen by readers of the other as soon as the write has answered.
/// </summary>
public sealed class PostListCacheTests(BoardFixture fixture) : IClassFixture<BoardFixture>, IAsyncLifetime
{
    private BoardApiFactory _first = null!;
    private BoardApiFactory _second = null!;

    public Task InitializeAsync()
    {
        var prefix = IdentityServerFactory.NewRedisPrefix();
        _first = new BoardApiFactory(fixture.Identity.Issuer, redisPrefix: prefix);
        _first.StartServer();
        _second = new BoardApiFactory(fixture.Identity.Issuer, _first.DatabaseName, prefix) { DropDatabaseOnDispose = false };
        _second.StartServer();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task Delete_OnOneInstance_GoneFromListOnOther()
    {
        var token = await fixture.ClientTokenAsync();
        var onFirst = PostsClient.For(_first, token);
        var onSecond = PostsClient.For(_second, token);
        var post = await onFirst.CreateAsync();

        // Both instances now hold the list with the post in memory.
        Assert.Contains(post.Id, (await onFirst.ListAsync()).Items.Select(item => item.Id));
        Assert.Contains(post.Id, (await onSecond.ListAsync()).Items.Select(item => item.Id));

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await onSecond.DeleteRawAsync(post.Id)).StatusCode);

        Assert.DoesNotContain(post.Id, (await onFirst.ListAsync()).Items.Select(item => item.Id));
        Assert.DoesNotContain(post.Id, (await onSecond.ListAsync()).Items.Select(item => item.Id));
    }

    [Fact]
    public async Task CreateAndUpdate_OnOneInstance_SeenInListOnOther()
    {
        var token = await fixture.ClientTokenAsync();
        var onFirst = PostsClient.For(_first, token);
        var onSecond = PostsClient.For(_second, token);
        await onFirst.ListAsync("?limit=5");

        var post = await onSecond.CreateAsync("Fresh", "Text");
        Assert.Equal(post.Id, (await onFirst.ListAsync("?limit=5")).Items[0].Id);

        var edit = await onSecond.UpdateRawAsync(post.Id, new { title = "Edited", content = "Text", version = post.Version });
        edit.EnsureSuccessStatusCode();
        Assert.Equal("Edited", (await onFirst.ListAsync("?limit=5")).Items[0].Title);
    }

    [Fact]
    public async Task List_Repeated_ServedFromCacheUntilAWrite()
    {
        // A row changed behind BoardApi's back (no write through the API) stays invisible while the cache holds:
        // proof that reads are cached, and that only API writes invalidate.
        var token = await fixture.ClientTokenAsync();
        var onFirst = PostsClient.For(_first, token);
        var post = await onFirst.CreateAsync("Cached title", "Text");
        Assert.Equal("Cached title", (await onFirst.ListAsync("?limit=1")).Items[0].Title);

        await using (var scope = _first.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Data.BoardDbContext>();
            await db.Database.ExecuteSqlAsync($"UPDATE posts SET title = 'Changed behind the API' WHERE id = {post.Id}");
        }

        Assert.Equal("Cached title", (await onFirst.ListAsync("?limit=1")).Items[0].Title);
        Assert.Equal("Cached title", (await PostsClient.For(_second, token).ListAsync("?limit=1")).Items[0].Title);

        await onFirst.CreateAsync("Another", "Text");
        Assert.Equal("Changed behind the API", (await onFirst.ListAsync("?limit=2")).Items[1].Title);
    }
}
