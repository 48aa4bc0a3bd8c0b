using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Login sessions: listed, ended one by one or all at once, by the user or an admin, and by account changes.</summary>
public sealed class SessionsTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private const string Password = "Str0ng!Password";

    private async Task<(ApplicationUser User, SignedInSpa First, SignedInSpa Second)> TwoSessionsAsync(params string[] roles)
    {
        var user = await server.CreateUserAsync(Password, roles);
        return (user, await SignedInSpa.StartAsync(server, email: user.Email!, password: Password),
            await SignedInSpa.StartAsync(server, email: user.Email!, password: Password));
    }

    private static async Task<JsonElement[]> ListAsync(SignedInSpa session)
    {
        var response = await session.Browser.Client.GetAsync("/account/sessions");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement[]>())!;
    }

    private async Task AssertEndedAsync(SignedInSpa session)
    {
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, session.RefreshToken)).Error);
        Assert.False((await OAuth.IntrospectAsync(server.CreateApiClient(), session.AccessToken)).Json.GetProperty("active").GetBoolean());
        // The browser's cookie died with the session.
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.Browser.Client.GetAsync("/account/sessions")).StatusCode);
    }

    private async Task AssertAliveAsync(SignedInSpa session)
    {
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(server.CreateApiClient(), SpaClientId, session.RefreshToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await session.Browser.Client.GetAsync("/account/sessions")).StatusCode);
    }

    [Fact]
    public async Task List_ShowsEachSessionWithClientAndMarksTheCurrentOne()
    {
        var (_, first, _) = await TwoSessionsAsync();

        var sessions = await ListAsync(first);

        Assert.Equal(2, sessions.Length);
        var current = Assert.Single(sessions, session => session.GetProperty("current").GetBoolean());
        Assert.Equal([SpaClientId], current.GetProperty("clients").EnumerateArray().Select(client => client.GetString()));
        // Sessions:IdleTimeout (3 days) from the last use.
        Assert.All(sessions, session => Assert.InRange(session.GetProperty("expiresAt").GetDateTimeOffset(),
            DateTimeOffset.UtcNow.AddDays(3).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(3)));
    }

    [Fact]
    public async Task EndOne_ThatSessionEndedOthersUntouched()
    {
        var (_, first, second) = await TwoSessionsAsync();
        var other = (await ListAsync(first)).Single(session => !session.GetProperty("current").GetBoolean()).GetProperty("sid").GetString();

        var response = await first.Browser.Client.DeleteAsync($"/account/sessions/{other}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await AssertEndedAsync(second);
        await AssertAliveAsync(first);
        Assert.Single(await ListAsync(first));
    }

    [Fact]
    public async Task EndUnknown_NotFound()
    {
        var (_, first, _) = await TwoSessionsAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await first.Browser.Client.DeleteAsync("/account/sessions/no-such-sid")).StatusCode);
    }

    [Fact]
    public async Task LogOutEverywhere_EverySessionEnded()
    {
        var (_, first, second) = await TwoSessionsAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await first.Browser.Client.DeleteAsync("/account/sessions")).StatusCode);

        await AssertEndedAsync(first);
        await AssertEndedAsync(second);
    }

    [Fact]
    public async Task Anonymous_Unauthorized()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.CreateApiClient().GetAsync("/account/sessions")).StatusCode);
    }

    [Fact]
    public async Task Admin_EndsAnotherUsersSessions_NonAdminForbidden()
    {
        var (target, first, second) = await TwoSessionsAsync();
        var (_, admin, _) = await TwoSessionsAsync("admin");
        var (_, plain, _) = await TwoSessionsAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await plain.Browser.Client.DeleteAsync($"/admin/users/{target.Id}/sessions")).StatusCode);
        await AssertAliveAsync(first);

        var listed = await admin.Browser.Client.GetFromJsonAsync<JsonElement[]>($"/admin/users/{target.Id}/sessions");
        Assert.Equal(2, listed!.Length);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Browser.Client.DeleteAsync($"/admin/users/{target.Id}/sessions")).StatusCode);

        await AssertEndedAsync(first);
        await AssertEndedAsync(second);
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("delete")]
    public async Task AdminLockOrDelete_EndsEverySession(string action)
    {
        var (target, first, second) = await TwoSessionsAsync();
        var (_, admin, _) = await TwoSessionsAsync("admin");

        var response = action == "lock"
            ? await admin.Browser.Client.PostAsync($"/admin/users/{target.Id}/lock", null)
            : await admin.Browser.Client.DeleteAsync($"/admin/users/{target.Id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await AssertEndedAsync(first);
        await AssertEndedAsync(second);
    }

    [Fact]
    public async Task PasswordChanged_EndsEverySession()
    {
        var (target, first, second) = await TwoSessionsAsync();

        var changed = await server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            return await users.ChangePasswordAsync((await users.FindByIdAsync(target.Id))!, Password, "An0ther!Password");
        });

        Assert.True(changed.Succeeded);
        await AssertEndedAsync(first);
        await AssertEndedAsync(second);
    }

    [Fact]
    public async Task FailedSignInsLockingTheAccount_EndNothing()
    {
        // Otherwise anyone could sign a user out everywhere by mistyping their password five times.
        var (target, first, _) = await TwoSessionsAsync();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await OAuth.SubmitLoginAsync(server.CreateBrowser(), target.Email!, "wrong-password");
        }

        // Locked out, the user gets no new tokens, but the session and its tokens are not revoked.
        Assert.Equal(HttpStatusCode.OK, (await first.Browser.Client.GetAsync("/account/sessions")).StatusCode);
        Assert.True((await OAuth.IntrospectAsync(server.CreateApiClient(), first.AccessToken)).Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task AccountPage_ListsSessionsAndLogsOutEverywhere()
    {
        var (_, first, second) = await TwoSessionsAsync();

        var page = await first.Browser.NavigateAsync("/Account/Security");
        Assert.True(page.Document is not null, $"{(int)page.Response.StatusCode} {page.Url}: {page.Body}");
        Assert.Equal(2, page.Document!.QuerySelectorAll("li[data-sid]").Length);
        var done = await first.Browser.SubmitAsync(page, "form[action*='handler=EndAll']");

        Assert.Contains("/Account/Login", done.Url.AbsolutePath);
        await AssertEndedAsync(first);
        await AssertEndedAsync(second);
    }

    [Fact]
    public async Task EndedSession_NotBroughtBackByATokenRequestRacingTheEnd()
    {
        var (target, first, _) = await TwoSessionsAsync();
        var sid = (await ListAsync(first)).Single(session => session.GetProperty("current").GetBoolean()).GetProperty("sid").GetString()!;

        var (recorded, listed) = await server.WithScopeAsync(async services =>
        {
            var store = services.GetRequiredService<RedisJwt.IdentityServer.Sessions.SessionStore>();
            await store.EndAsync(target.Id, sid);
            // A token request that found the session a moment before it ended now records its issuance.
            var recorded = await store.RecordIssuanceAsync(target.Id, sid, SpaClientId, "late-family");
            return (recorded, await store.ListAsync(target.Id));
        });

        Assert.False(recorded);
        Assert.DoesNotContain(listed, session => session.Sid == sid);
        Assert.Equal(HttpStatusCode.Unauthorized, (await first.Browser.Client.GetAsync("/account/sessions")).StatusCode);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    public async Task EndingFromAnotherOrigin_Forbidden(string header, string value)
    {
        var (_, first, second) = await TwoSessionsAsync();
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/account/sessions");
        request.Headers.Add(header, value);

        var response = await first.Browser.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertAliveAsync(first);
        await AssertAliveAsync(second);
    }

    [Fact]
    public async Task EndingFromTheSameOrigin_Allowed()
    {
        var (_, first, second) = await TwoSessionsAsync();
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/account/sessions");
        request.Headers.Add("Origin", "http://localhost");
        request.Headers.Add("Sec-Fetch-Site", "same-origin");

        Assert.Equal(HttpStatusCode.NoContent, (await first.Browser.Client.SendAsync(request)).StatusCode);
        await AssertEndedAsync(second);
    }
}
