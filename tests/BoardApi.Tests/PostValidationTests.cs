using System.Net;
using System.Text;
using RedisJwt.BoardApi.Tests.Infrastructure;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>Bad input gets a 400 problem naming the field, never a 500, and nothing is stored.</summary>
public sealed class PostValidationTests(BoardFixture fixture) : IClassFixture<BoardFixture>, IAsyncLifetime
{
    private SignedInUser _user = null!;
    private PostsClient _posts = null!;

    public async Task InitializeAsync()
    {
        _user = await fixture.SignInNewUserAsync();
        _posts = PostsClient.For(fixture.Board, _user.AccessToken);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string, string> InvalidPosts => new()
    {
        { "", "content", "title" },
        { "   ", "content", "title" },
        { new string('t', 201), "content", "title" },
        { "line\nbreak", "content", "title" },
        { "tab\tinside", "content", "title" },
        { "title", "", "content" },
        { "title", new string('c', 20_001), "content" },
        { "title", "nul \0 inside", "content" },
        { "title", "escape \u001b[31m red", "content" },
        { "title", "bare carriage return \r here", "content" },
    };

    [Theory]
    [MemberData(nameof(InvalidPosts))]
    public async Task Create_InvalidField_FieldErrorAndNothingStored(string title, string content, string field)
    {
        await AssertFieldErrorAsync(await _posts.CreateRawAsync(new { title, content }), field);

        Assert.Equal(0, await fixture.Board.CountPostsAsync(_user.Id));
    }

    [Fact]
    public async Task Create_BothFieldsMissing_BothNamed()
    {
        var response = await _posts.CreateRawAsync(new { });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"title\"", body);
        Assert.Contains("\"content\"", body);
    }

    [Fact]
    public async Task Create_AtTheLimits_Accepted()
    {
        // 200 and 20,000 characters, counted as Unicode characters: an emoji is one, though two UTF-16 units.
        var title = new string('t', 199) + "😀";
        var content = "crlf\r\nand\ttab\n" + new string('c', 20_000 - 14);
        var created = await _posts.CreateAsync(title, content);
        Assert.Equal((title, content), (created.Title, created.Content));
    }

    [Fact]
    public async Task Update_InvalidTitle_FieldErrorAndUnchanged()
    {
        var created = await _posts.CreateAsync();
        await AssertFieldErrorAsync(await _posts.UpdateRawAsync(created.Id, new { title = "", content = "x", version = created.Version }), "title");
        Assert.Equal(created, await _posts.GetAsync(created.Id));
    }

    [Fact]
    public async Task Create_WrongJsonType_FieldNamed()
    {
        var response = await PostJsonAsync("{\"title\": 5, \"content\": \"c\"}");
        await AssertFieldErrorAsync(response, "title");
    }

    [Fact]
    public async Task Create_LoneSurrogateEscape_FieldError()
    {
        // JSON can spell a lone surrogate as an escape; PostgreSQL could not store it.
        var response = await PostJsonAsync("{\"title\": \"t\", \"content\": \"lone \\ud800 here\"}");
        await AssertFieldErrorAsync(response, "content");
    }

    [Fact]
    public async Task Create_MalformedJson_BadRequestProblem()
    {
        await AssertFieldErrorAsync(await PostJsonAsync("{not json"), "body");
        await AssertFieldErrorAsync(await PostJsonAsync("null"), "body");
    }

    [Fact]
    public async Task Create_NotJson_UnsupportedMediaType()
    {
        var response = await _posts.Http.PostAsync("/posts", new StringContent("title=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Create_JsonInAnotherCharset_UnsupportedMediaType()
    {
        var content = new StringContent("{\"title\": \"t\", \"content\": \"c\"}", Encoding.UTF8, "application/json");
        content.Headers.ContentType!.CharSet = "bogus";
        await AssertProblemAsync(await _posts.Http.PostAsync("/posts", content), HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(0, await fixture.Board.CountPostsAsync(_user.Id));
    }

    [Fact]
    public async Task Create_HugeBody_PayloadTooLarge()
    {
        var response = await PostJsonAsync($"{{\"title\": \"t\", \"content\": \"{new string('c', 400_000)}\"}}");
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task List_NulInAuthor_FieldError()
    {
        // It reached PostgreSQL (22021) and answered 500; text PostgreSQL cannot store is refused before any handler.
        await AssertFieldErrorAsync(await _posts.Http.GetAsync("/posts?author=a%00b"), "author");
    }

    [Fact]
    public async Task List_ControlCharacterInAuthor_FieldError()
    {
        await AssertFieldErrorAsync(await _posts.Http.GetAsync("/posts?author=a%01b"), "author");
    }

    [Fact]
    public async Task List_NulWithoutToken_Unauthorized()
    {
        // Input is looked at only for a caller with a token.
        AssertNoTokenChallenges(await fixture.Board.CreateClient(accessToken: null).GetAsync("/posts?author=a%00b"));
    }

    [Fact]
    public async Task Create_NulInTitle_FieldErrorSayingWhy()
    {
        var message = await AssertFieldErrorAsync(await _posts.CreateRawAsync(new { title = "nul \0 here", content = "c" }), "title");

        Assert.Contains("U+0000", message);
        Assert.Equal(0, await fixture.Board.CountPostsAsync(_user.Id));
    }

    [Fact]
    public async Task Create_FormWithNul_BadRequestNotServerError()
    {
        var response = await _posts.Http.PostAsync("/posts",
            new StringContent("title=a%00b&content=c", Encoding.UTF8, "application/x-www-form-urlencoded"));

        // The form reader refuses %00 before any field is known: the body is named.
        await AssertFieldErrorAsync(response, "body");
    }

    private Task<HttpResponseMessage> PostJsonAsync(string json) =>
        _posts.Http.PostAsync("/posts", new StringContent(json, Encoding.UTF8, "application/json"));
}
