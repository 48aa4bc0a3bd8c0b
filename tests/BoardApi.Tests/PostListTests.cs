using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>GET /posts: newest first, keyset pagination with a bounded page size, and the author filter.</summary>
public sealed class PostListTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    [Fact]
    public async Task List_ByAuthor_NewestFirstAcrossPages()
    {
        var author = await fixture.SignInNewUserAsync();
        var posts = PostsClient.For(fixture.Board, author.AccessToken);
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await posts.CreateAsync($"Post {i}")).Id);
        }

        var first = await posts.ListAsync($"?author={author.Id}&limit=2");
        var second = await posts.ListAsync($"?author={author.Id}&limit=2&cursor={first.NextCursor}");
        var third = await posts.ListAsync($"?author={author.Id}&limit=2&cursor={second.NextCursor}");

        var expected = Enumerable.Reverse(created).ToList();
        Assert.Equal(expected, first.Items.Concat(second.Items).Concat(third.Items).Select(post => post.Id));
        Assert.Single(third.Items);
        Assert.Null(third.NextCursor);
    }

    [Fact]
    public async Task List_AuthorFilter_OnlyThatAuthorsPosts()
    {
        var alice = await fixture.SignInNewUserAsync();
        var bob = await fixture.SignInNewUserAsync();
        var alicePost = await PostsClient.For(fixture.Board, alice.AccessToken).CreateAsync();
        await PostsClient.For(fixture.Board, bob.AccessToken).CreateAsync();

        var page = await PostsClient.For(fixture.Board, bob.AccessToken).ListAsync($"?author={alice.Id}");

        Assert.Equal([alicePost.Id], page.Items.Select(post => post.Id));
    }

    [Fact]
    public async Task List_Unfiltered_NewestFirstAndPostsAddedMeanwhileDoNotShiftPages()
    {
        var posts = PostsClient.For(fixture.Board, await fixture.ClientTokenAsync());
        for (var i = 0; i < 3; i++)
        {
            await posts.CreateAsync($"Older {i}");
        }

        var first = await posts.ListAsync("?limit=2");
        var newest = await posts.CreateAsync("Newest");
        var second = await posts.ListAsync($"?limit=2&cursor={first.NextCursor}");

        Assert.True(first.Items[0].CreatedAt >= first.Items[1].CreatedAt);
        Assert.DoesNotContain(second.Items, post => first.Items.Any(seen => seen.Id == post.Id));
        Assert.DoesNotContain(second.Items, post => post.Id == newest.Id);
        Assert.True(second.Items[0].CreatedAt <= first.Items[^1].CreatedAt);
        Assert.Equal(newest.Id, (await posts.ListAsync("?limit=1")).Items[0].Id);
    }

    [Fact]
    public async Task List_DefaultPageSize_IsTwenty()
    {
        var posts = PostsClient.For(fixture.Board, await fixture.ClientTokenAsync());
        for (var i = 0; i < 21; i++)
        {
            await posts.CreateAsync($"Post {i}");
        }

        var page = await posts.ListAsync();
        Assert.Equal(20, page.Items.Count);
        Assert.NotNull(page.NextCursor);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=101", "limit")]
    [InlineData("?limit=-1", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?cursor=not-a-cursor", "cursor")]
    [InlineData("?cursor=MTIzX3g", "cursor")]
    [InlineData("?author=", "author")]
    public async Task List_BadQuery_FieldError(string query, string field)
    {
        var client = fixture.Board.CreateClient(await fixture.ClientTokenAsync("posts.read"));
        await AssertFieldErrorAsync(await client.GetAsync($"/posts{query}"), field);
    }

    [Fact]
    public async Task List_MaximumPageSize_Accepted()
    {
        var client = fixture.Board.CreateClient(await fixture.ClientTokenAsync("posts.read"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/posts?limit=100")).StatusCode);
    }
}
