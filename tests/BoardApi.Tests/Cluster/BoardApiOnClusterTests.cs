using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Revocation;
using RedisJwt.Testing;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests.Cluster;

/// <summary>
/// What BoardApi does with Redis, on a Redis Cluster of three masters: the revocation channel and index, the lookup
/// of every way a token can be revoked in one MGET, the write limit, and the post-list cache's second level. No
/// hash-slot error may be logged or counted by the nodes (checked after every test).
/// </summary>
public sealed class BoardApiOnClusterTests(BoardClusterFixture fixture) : IClassFixture<BoardClusterFixture>, IAsyncLifetime
{
    [Fact]
    public async Task AccessTokenRevoked_RejectedByEveryInstanceWithinOneSecond_AndByOneStartedLater()
    {
        await using var second = fixture.StartBoard(fixture.Board.DatabaseName);
        var user = await Tokens.SignInNewUserAsync(fixture.Identity, Tokens.UserScopes);
        var other = await Tokens.SignInNewUserAsync(fixture.Identity, Tokens.UserScopes);
        await AssertAcceptedAsync(user.AccessToken, fixture.Board, second);

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(fixture.Identity.CreateApiClient(), user.AccessToken)).Status);
        await WaitUntilRejectedAsync(user.AccessToken, fixture.Board, second);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.ElapsedMilliseconds} ms");
        await using var late = fixture.StartBoard(fixture.Board.DatabaseName);
        AssertInvalidToken(await late.CreateClient(user.AccessToken).GetAsync("/posts"));
        await AssertAcceptedAsync(other.AccessToken, fixture.Board, second, late);
    }

    [Fact]
    public async Task NotInSync_OneLookupInRedis_FindsTheUsersRevocation_AndNothingForAnother()
    {
        var user = await Tokens.SignInNewUserAsync(fixture.Identity, Tokens.UserScopes);
        var other = await Tokens.SignInNewUserAsync(fixture.Identity, Tokens.UserScopes);
        Assert.Equal(HttpStatusCode.NoContent, (await user.Session.Browser.Client.DeleteAsync("/account/sessions")).StatusCode);

        // A view that never synchronized asks Redis: one MGET of the jti, sid, family and user keys.
        var view = ActivatorUtilities.CreateInstance<RevocationView>(fixture.Board.Services);

        Assert.Equal(RevocationStatus.Revoked, await view.CheckAsync(Facts(user.AccessToken)));
        Assert.Equal(RevocationStatus.Valid, await view.CheckAsync(Facts(other.AccessToken)));
    }

    [Fact]
    public async Task Writes_LimitedPerCaller_TooManyRequestsAfterTheLimit()
    {
        var user = await Tokens.SignInNewUserAsync(fixture.Identity, Tokens.UserScopes);
        var posts = PostsClient.For(fixture.Board, user.AccessToken);

        for (var write = 0; write < BoardClusterFixture.Writes; write++)
        {
            await posts.CreateAsync();
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await posts.CreateRawAsync(new { title = "One more", content = "Text" })).StatusCode);
    }

    [Fact]
    public async Task PostList_CachedByOneInstance_ServedByAnotherFromTheCluster_UntilAWrite()
    {
        await using var second = fixture.StartBoard(fixture.Board.DatabaseName);
        var user = await Tokens.SignInNewUserAsync(fixture.Identity, Tokens.UserScopes);
        var first = PostsClient.For(fixture.Board, user.AccessToken);
        var post = await first.CreateAsync("Cached title", "Text");
        Assert.Equal("Cached title", (await first.ListAsync("?limit=1")).Items[0].Title);

        // Changed behind the API: only a cached copy still says "Cached title", and the second instance never had one in memory.
        await using (var scope = fixture.Board.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Data.BoardDbContext>().Database
                .ExecuteSqlAsync($"UPDATE posts SET title = 'Changed behind the API' WHERE id = {post.Id}");
        }

        Assert.Equal("Cached title", (await PostsClient.For(second, user.AccessToken).ListAsync("?limit=1")).Items[0].Title);
        await first.CreateAsync("Another", "Text");
        Assert.Equal("Changed behind the API", (await PostsClient.For(second, user.AccessToken).ListAsync("?limit=2")).Items[1].Title);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.Watch.AssertNoSlotErrorsAsync();

    private static TokenFacts Facts(string accessToken)
    {
        var token = new JsonWebToken(accessToken);
        string? Claim(string type) => token.TryGetClaim(type, out var claim) ? claim.Value : null;
        return new TokenFacts(Claim("jti"), Claim("sid"), Claim(TokenFacts.FamilyClaim), token.Subject, long.Parse(Claim("iat")!));
    }
}
