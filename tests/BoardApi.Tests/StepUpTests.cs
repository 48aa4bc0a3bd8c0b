using System.Net;
using System.Net.Http.Headers;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;
using static RedisJwt.Testing.Cors;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// Step-up (RFC 9470): an admin deleting someone else's post needs a token showing a multi-factor sign-in (acr "mfa")
/// no older than StepUp:MaxAge (10 minutes by default); without one, 401 insufficient_user_authentication and the post
/// stays. Tokens are forged with the issuer's real key, since acr and auth_time are what is under test.
/// </summary>
public sealed class StepUpTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    private const string Challenge =
        "Bearer error=\"insufficient_user_authentication\", error_description=\"This action requires a multi-factor sign-in.\", acr_values=\"mfa\", max_age=\"600\", " +
        "resource_metadata=\"http://127.0.0.1:5002/.well-known/oauth-protected-resource\"";

    private const string StaleChallenge =
        "Bearer error=\"insufficient_user_authentication\", error_description=\"This action requires a more recent multi-factor sign-in.\", acr_values=\"mfa\", max_age=\"600\", " +
        "resource_metadata=\"http://127.0.0.1:5002/.well-known/oauth-protected-resource\"";

    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Delete_AdminWithoutAcr_StepUpChallengeAndKept()
    {
        var (forge, post) = await SomeonesPostAsync();

        using var response = await DeleteAsync(forge, post, Admin());

        Assert.Equal(Challenge, await AssertStepUpChallengeAsync(response));
        Assert.Equal(HttpStatusCode.OK, (await PostsClient.For(fixture.Board, forge.Create()).GetRawAsync(post)).StatusCode);
    }

    [Fact]
    public async Task Delete_AdminWithSingleFactorAcr_StepUpChallengeAndKept()
    {
        var (forge, post) = await SomeonesPostAsync();

        using var response = await DeleteAsync(forge, post, Admin(acr: "sfa", authenticatedAgo: TimeSpan.FromMinutes(1)));

        Assert.Equal(Challenge, await AssertStepUpChallengeAsync(response));
        Assert.Equal(HttpStatusCode.OK, (await PostsClient.For(fixture.Board, forge.Create()).GetRawAsync(post)).StatusCode);
    }

    [Fact]
    public async Task Delete_AdminMfaOlderThanMaxAge_StepUpChallengeAndKept()
    {
        var (forge, post) = await SomeonesPostAsync();

        using var response = await DeleteAsync(forge, post, Admin(acr: "mfa", authenticatedAgo: MaxAge + TimeSpan.FromMinutes(1)));

        Assert.Equal(StaleChallenge, await AssertStepUpChallengeAsync(response));
        Assert.Equal(HttpStatusCode.OK, (await PostsClient.For(fixture.Board, forge.Create()).GetRawAsync(post)).StatusCode);
    }

    [Fact]
    public async Task Delete_AdminMfaWithAuthTimeInTheFuture_StepUpChallengeAndKept()
    {
        // A sign-in "an hour from now" never happened; beyond the clock skew it proves nothing recent.
        var (forge, post) = await SomeonesPostAsync();

        using var response = await DeleteAsync(forge, post, Admin(acr: "mfa", authenticatedAgo: -TimeSpan.FromHours(1)));

        Assert.Equal(StaleChallenge, await AssertStepUpChallengeAsync(response));
    }

    [Fact]
    public async Task Delete_AdminMfaWithoutAuthTime_StepUpChallengeAndKept()
    {
        // Without auth_time the sign-in's age is unknown, so it cannot count as recent.
        var (forge, post) = await SomeonesPostAsync();

        using var response = await DeleteAsync(forge, post, Admin(acr: "mfa"));

        Assert.Equal(StaleChallenge, await AssertStepUpChallengeAsync(response));
    }

    [Fact]
    public async Task Delete_AdminRecentMfa_Gone()
    {
        var (forge, post) = await SomeonesPostAsync();

        using var response = await DeleteAsync(forge, post, Admin(acr: "mfa", authenticatedAgo: TimeSpan.FromMinutes(1)));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await AssertProblemAsync(await PostsClient.For(fixture.Board, forge.Create()).GetRawAsync(post), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_OwnerWithoutMfa_Gone()
    {
        var (forge, post) = await SomeonesPostAsync();

        using var response = await DeleteAsync(forge, post, claims => claims["sub"] = "author");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Delete_AdminOwnPostWithoutMfa_Gone()
    {
        var forge = await TokenForge.ForAsync(fixture.Identity);
        var post = (await PostsClient.For(fixture.Board, forge.Create(Admin())).CreateAsync()).Id;

        using var response = await DeleteAsync(forge, post, Admin());

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Delete_NonAdminNonOwnerWithRecentMfa_ForbiddenAndKept()
    {
        // Step-up adds to the ownership rule; it never grants what the role does not.
        var (forge, post) = await SomeonesPostAsync();

        using var response = await DeleteAsync(forge, post, claims =>
        {
            claims["sub"] = "someone-else";
            claims["acr"] = "mfa";
            claims["auth_time"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        });

        await AssertProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await PostsClient.For(fixture.Board, forge.Create()).GetRawAsync(post)).StatusCode);
    }

    [Fact]
    public async Task Delete_StepUpChallengeFromConfiguredOrigin_Readable()
    {
        // The SPA must read the challenge to sign in again with acr_values and max_age.
        var (forge, post) = await SomeonesPostAsync();
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/posts/{post}").From(IdentityServerFactory.SpaOrigin);

        using var response = await fixture.Board.CreateClient(forge.Create(Admin())).SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(IdentityServerFactory.SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("www-authenticate", HeaderItems(response, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task Delete_AdminWithDPoPBoundTokenWithoutAcr_DPoPStepUpChallengeAndKept()
    {
        // RFC 9449 7.1: a request that used DPoP is answered in the DPoP scheme, with its algs.
        var (forge, post) = await SomeonesPostAsync();
        using var key = DPoPKey.CreateEs256();
        var token = forge.Create(claims =>
        {
            Admin()(claims);
            claims["cnf"] = new Dictionary<string, object> { ["jkt"] = key.Thumbprint };
        });
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/posts/{post}");
        request.Headers.Authorization = new AuthenticationHeaderValue("DPoP", token);
        request.Headers.Add("DPoP", key.Proof("DELETE", $"http://localhost/posts/{post}", token));

        using var response = await fixture.Board.CreateClient(accessToken: null).SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal($"DPoP{Challenge["Bearer".Length..]}, algs=\"RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512\"",
            Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal(HttpStatusCode.OK, (await PostsClient.For(fixture.Board, forge.Create()).GetRawAsync(post)).StatusCode);
    }

    private async Task<(TokenForge Forge, Guid Post)> SomeonesPostAsync()
    {
        var forge = await TokenForge.ForAsync(fixture.Identity);
        var post = await PostsClient.For(fixture.Board, forge.Create(claims => claims["sub"] = "author")).CreateAsync();
        return (forge, post.Id);
    }

    private async Task<HttpResponseMessage> DeleteAsync(TokenForge forge, Guid post, Action<Dictionary<string, object>> claims) =>
        await PostsClient.For(fixture.Board, forge.Create(claims)).DeleteRawAsync(post);

    private static Action<Dictionary<string, object>> Admin(string? acr = null, TimeSpan? authenticatedAgo = null) => claims =>
    {
        claims["sub"] = "admin";
        claims["role"] = "admin";
        if (acr is not null)
        {
            claims["acr"] = acr;
        }

        if (authenticatedAgo is { } ago)
        {
            claims["auth_time"] = DateTimeOffset.UtcNow.Subtract(ago).ToUnixTimeSeconds();
        }
    };

    /// <summary>401 with one Bearer challenge and problem details; returns the challenge as sent.</summary>
    private static async Task<string> AssertStepUpChallengeAsync(HttpResponseMessage response)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.StartsWith("This action requires", problem.GetProperty("detail").GetString());
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        return challenge.ToString();
    }
}
