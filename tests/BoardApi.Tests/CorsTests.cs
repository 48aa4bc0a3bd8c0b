using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.Testing.Cors;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.BoardApi.Tests;

/// <summary>The posts API answers browser apps on the configured origins (the test servers allow the SPA's) only.</summary>
public sealed class CorsTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    private const string OtherOrigin = "https://elsewhere.example";
    private const string SomePost = "/posts/6d1f5b7e-8f3a-4c1e-9a55-2b7c0e4d9f10";

    public static TheoryData<string, string> PostsCalls => new()
    {
        { "/posts", "GET" },
        { "/posts", "POST" },
        { SomePost, "GET" },
        { SomePost, "PUT" },
        { SomePost, "DELETE" },
    };

    [Theory]
    [MemberData(nameof(PostsCalls))]
    public async Task Preflight_ConfiguredOrigin_AllowedWithoutCredentials(string path, string method)
    {
        using var response = await PreflightAsync(fixture.Board.CreateClient(accessToken: null), path, SpaOrigin, method);

        AssertPreflightAllowed(response, SpaOrigin, method);
    }

    [Theory]
    [MemberData(nameof(PostsCalls))]
    public async Task Preflight_OtherOrigin_Refused(string path, string method)
    {
        using var response = await PreflightAsync(fixture.Board.CreateClient(accessToken: null), path, OtherOrigin, method);

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task List_ConfiguredOriginWithToken_Readable()
    {
        var client = fixture.Board.CreateClient(await fixture.ClientTokenAsync("posts.read"));

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/posts").From(SpaOrigin));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task List_ConfiguredOriginWithoutToken_ChallengeReadable()
    {
        using var response = await fixture.Board.CreateClient(accessToken: null)
            .SendAsync(new HttpRequestMessage(HttpMethod.Get, "/posts").From(SpaOrigin));

        // The app can read the 401 and its WWW-Authenticate (RFC 6750 3), e.g. to tell an expired token.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal(["dpop-nonce", "retry-after", "www-authenticate"], HeaderItems(response, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task List_OtherOriginWithToken_NoAllowOrigin()
    {
        var client = fixture.Board.CreateClient(await fixture.ClientTokenAsync("posts.read"));

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/posts").From(OtherOrigin));

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_ConfiguredOrigin_NoCors(string path)
    {
        var client = fixture.Board.CreateClient(accessToken: null);

        using var preflight = await PreflightAsync(client, path, SpaOrigin, "GET");
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path).From(SpaOrigin));

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Hsts_Development_NotSent()
    {
        using var response = await HttpsClient(fixture.Board).GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task Hsts_ProductionOverHttps_SentForHalfAYear()
    {
        await using var production = new BoardApiFactory(fixture.Identity.Issuer, environment: "Production");

        using var response = await HttpsClient(production).GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("max-age=15552000", Header(response, "Strict-Transport-Security"));
    }

    // Not localhost, which the HSTS middleware leaves out.
    private static HttpClient HttpsClient(BoardApiFactory board) =>
        board.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://board.example.test/") });
}
