using System.Net;
using System.Net.Http.Json;
using RedisJwt.BoardApi.Posts;
using RedisJwt.BoardApi.Tests.Infrastructure;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>Create, read, update and delete, with the ownership and admin rules, as signed-in users.</summary>
public sealed class PostsTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    private async Task<(SignedInUser User, PostsClient Posts)> SignInAsync(params string[] roles)
    {
        var user = await fixture.SignInNewUserAsync(roles: roles);
        return (user, PostsClient.For(fixture.Board, user.AccessToken));
    }

    [Fact]
    public async Task Create_ValidPost_StoredWithAuthorFromToken()
    {
        var (user, posts) = await SignInAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var response = await posts.CreateRawAsync(new { title = "Hello", content = "First line\nsecond\tline" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<PostResponse>())!;
        Assert.Equal($"/posts/{created.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(user.Id, created.AuthorId);
        Assert.Equal(user.DisplayName, created.AuthorName);
        Assert.InRange(created.CreatedAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(created.CreatedAt, created.UpdatedAt);
        Assert.Equal(created, await posts.GetAsync(created.Id));
    }

    [Fact]
    public async Task Create_ScriptInContent_StoredAndReturnedAsData()
    {
        var (_, posts) = await SignInAsync();
        const string script = "<script>alert('x')</script> & <b>bold</b>";

        var created = await posts.CreateAsync("<img src=x onerror=alert(1)>", script);

        var response = await posts.GetRawAsync(created.Id);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var stored = (await response.Content.ReadFromJsonAsync<PostResponse>())!;
        Assert.Equal(script, stored.Content);
        Assert.Equal("<img src=x onerror=alert(1)>", stored.Title);
    }

    [Fact]
    public async Task Create_ClientCredentialsToken_AuthoredByClient()
    {
        var posts = PostsClient.For(fixture.Board, await fixture.ClientTokenAsync());
        var created = await posts.CreateAsync();
        Assert.Equal("third-party-demo", created.AuthorId);
        Assert.Equal("third-party-demo", created.AuthorName);
    }

    [Fact]
    public async Task Create_WithoutProfileScope_AuthorNameIsSubject()
    {
        var user = await fixture.SignInNewUserAsync("openid posts.read posts.write");
        var created = await PostsClient.For(fixture.Board, user.AccessToken).CreateAsync();
        Assert.Equal(user.Id, created.AuthorName);
    }

    [Fact]
    public async Task Get_UnknownId_NotFoundProblem()
    {
        var (_, posts) = await SignInAsync();
        await AssertProblemAsync(await posts.GetRawAsync(Guid.NewGuid()), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Update_ByAuthor_ChangesTitleContentAndVersion()
    {
        var (_, posts) = await SignInAsync();
        var created = await posts.CreateAsync("Before", "Old text");

        var response = await posts.UpdateRawAsync(created.Id, new { title = "After", content = "New text", version = created.Version });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = (await response.Content.ReadFromJsonAsync<PostResponse>())!;
        Assert.Equal(("After", "New text"), (updated.Title, updated.Content));
        Assert.NotEqual(created.Version, updated.Version);
        Assert.Equal(created.CreatedAt, updated.CreatedAt);
        Assert.True(updated.UpdatedAt > created.UpdatedAt);
        Assert.Equal(updated, await posts.GetAsync(created.Id));
    }

    [Fact]
    public async Task Update_StaleVersion_ConflictAndStoredPostUnchanged()
    {
        var (_, posts) = await SignInAsync();
        var created = await posts.CreateAsync("Original", "Original text");
        var firstEdit = await posts.UpdateRawAsync(created.Id, new { title = "First edit", content = "First", version = created.Version });
        Assert.Equal(HttpStatusCode.OK, firstEdit.StatusCode);
        var afterFirst = await posts.GetAsync(created.Id);

        // A second editor still holding the original version.
        var stale = await posts.UpdateRawAsync(created.Id, new { title = "Stale edit", content = "Lost?", version = created.Version });

        await AssertProblemAsync(stale, HttpStatusCode.Conflict);
        Assert.Equal(afterFirst, await posts.GetAsync(created.Id));
    }

    [Fact]
    public async Task Update_ConcurrentEditsWithSameVersion_ExactlyOneWins()
    {
        var (_, posts) = await SignInAsync();
        var created = await posts.CreateAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            posts.UpdateRawAsync(created.Id, new { title = $"Edit {i}", content = "x", version = created.Version })));

        var winner = Assert.Single(responses, response => response.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(response => response != winner),
            response => Assert.Equal(HttpStatusCode.Conflict, response.StatusCode));
        var stored = await posts.GetAsync(created.Id);
        Assert.Equal((await winner.Content.ReadFromJsonAsync<PostResponse>())!.Title, stored.Title);
    }

    [Fact]
    public async Task Update_WithoutVersion_FieldError()
    {
        var (_, posts) = await SignInAsync();
        var created = await posts.CreateAsync();
        await AssertFieldErrorAsync(await posts.UpdateRawAsync(created.Id, new { title = "t", content = "c" }), "version");
    }

    [Fact]
    public async Task Update_SomeoneElsesPost_ForbiddenAndUnchanged()
    {
        var (_, author) = await SignInAsync();
        var (_, other) = await SignInAsync();
        var created = await author.CreateAsync("Mine", "Mine");

        var response = await other.UpdateRawAsync(created.Id, new { title = "Yours now", content = "x", version = created.Version });

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(created, await author.GetAsync(created.Id));
    }

    [Fact]
    public async Task Update_EvenAdmin_CannotEditSomeoneElsesPost()
    {
        var (_, author) = await SignInAsync();
        var (_, admin) = await SignInAsync("admin");
        var created = await author.CreateAsync();

        var response = await admin.UpdateRawAsync(created.Id, new { title = "Admin edit", content = "x", version = created.Version });

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Update_UnknownId_NotFound()
    {
        var (_, posts) = await SignInAsync();
        var response = await posts.UpdateRawAsync(Guid.NewGuid(), new { title = "t", content = "c", version = 1 });
        await AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_ByAuthor_Gone()
    {
        var (_, posts) = await SignInAsync();
        var created = await posts.CreateAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await posts.DeleteRawAsync(created.Id)).StatusCode);

        await AssertProblemAsync(await posts.GetRawAsync(created.Id), HttpStatusCode.NotFound);
        await AssertProblemAsync(await posts.DeleteRawAsync(created.Id), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_SomeoneElsesPost_ForbiddenAndKept()
    {
        var (_, author) = await SignInAsync();
        var (_, other) = await SignInAsync();
        var created = await author.CreateAsync();

        await AssertProblemAsync(await other.DeleteRawAsync(created.Id), HttpStatusCode.Forbidden);

        Assert.Equal(created, await author.GetAsync(created.Id));
    }

    [Fact]
    public async Task Delete_ByAdminAfterPasswordSignIn_StepUpRequiredAndKept()
    {
        // Another's post needs a recent multi-factor sign-in (StepUpTests); a password alone is not one.
        var (_, author) = await SignInAsync();
        var (_, admin) = await SignInAsync("admin");
        var created = await author.CreateAsync();

        var response = await admin.DeleteRawAsync(created.Id);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("error=\"insufficient_user_authentication\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter);
        Assert.Equal(created, await author.GetAsync(created.Id));
    }

    [Fact]
    public async Task Delete_AdminWithoutRolesScope_CannotDeleteOthersPosts()
    {
        // The role reaches BoardApi only when the roles scope was granted; without it the admin is a plain user.
        var (_, author) = await SignInAsync();
        var admin = await fixture.SignInNewUserAsync("openid profile posts.read posts.write", "admin");
        var created = await author.CreateAsync();

        var response = await PostsClient.For(fixture.Board, admin.AccessToken).DeleteRawAsync(created.Id);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
    }
}
