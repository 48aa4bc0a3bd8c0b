using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>/auth/sessions: a bearer's own sessions, for apps without the account cookie (the Board SPA).</summary>
public sealed class AuthSessionsTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task List_ShowsEverySessionAndMarksThisOne()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (accessToken, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var stranger = await server.CreateUserAsync();
        await AuthApiClient.SignInAsync(client, stranger.Email!, "Str0ng!Password");

        var list = await AuthApiClient.SendAsync(client, HttpMethod.Get, "/auth/sessions", bearer: accessToken);

        Assert.Equal(HttpStatusCode.OK, list.Status);
        var sessions = list.Json.EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.Single(sessions, session => session.GetProperty("current").GetBoolean());
    }

    [Fact]
    public async Task EndOne_ThatSessionsTokensDie_ThisOneGoesOn()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (accessToken, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var (otherAccess, otherRefresh) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var list = await AuthApiClient.SendAsync(client, HttpMethod.Get, "/auth/sessions", bearer: accessToken);
        var other = list.Json.EnumerateArray().Single(session => !session.GetProperty("current").GetBoolean()).GetProperty("sid").GetString();

        var ended = await AuthApiClient.SendAsync(client, HttpMethod.Delete, $"/auth/sessions/{other}", bearer: accessToken);

        Assert.Equal(HttpStatusCode.NoContent, ended.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, otherAccess)).Status);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(client, otherRefresh)).Get("error"));
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, accessToken)).Status);
    }

    [Fact]
    public async Task EndAnotherUsersSession_NotFound()
    {
        var user = await server.CreateUserAsync();
        var stranger = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (accessToken, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var (strangerAccess, _) = await AuthApiClient.SignInAsync(client, stranger.Email!, "Str0ng!Password");
        var strangerSid = (await AuthApiClient.SendAsync(client, HttpMethod.Get, "/auth/sessions", bearer: strangerAccess))
            .Json[0].GetProperty("sid").GetString();

        var ended = await AuthApiClient.SendAsync(client, HttpMethod.Delete, $"/auth/sessions/{strangerSid}", bearer: accessToken);

        Assert.Equal(HttpStatusCode.NotFound, ended.Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, strangerAccess)).Status);
    }

    [Fact]
    public async Task EndAll_LogsOutEverywhereIncludingThisSession()
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateApiClient();
        var (accessToken, refreshToken) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var (otherAccess, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");

        var ended = await AuthApiClient.SendAsync(client, HttpMethod.Delete, "/auth/sessions", bearer: accessToken);

        Assert.Equal(HttpStatusCode.NoContent, ended.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, accessToken)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, otherAccess)).Status);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(client, refreshToken)).Get("error"));
    }

    [Fact]
    public async Task WithoutAccountScope_Unauthorized()
    {
        var spa = await SignedInSpa.StartAsync(server, scopes: "openid posts.read");

        var list = await AuthApiClient.SendAsync(server.CreateApiClient(), HttpMethod.Get, "/auth/sessions", bearer: spa.AccessToken);

        Assert.Equal(HttpStatusCode.Unauthorized, list.Status);
    }
}
