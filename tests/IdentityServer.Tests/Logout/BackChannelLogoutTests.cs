using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.IdentityServer.Logout;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using StackExchange.Redis;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Logout;

/// <summary>
/// OIDC Back-Channel Logout 1.0 from the server's side: every way a session ends queues a logout token for each client
/// that took part in it, delivered to the client's registered URI, retried while it is down, dead-lettered when it
/// refuses.
/// </summary>
public sealed class BackChannelLogoutTests(LogoutServers servers) : IClassFixture<LogoutServers>
{
    private IdentityServerFactory Server => servers.Server;
    private LogoutReceiver Receiver => servers.Receiver;

    [Fact]
    public async Task LogoutEverywhere_ClientOfTheSession_GetsALogoutTokenMeetingSection24()
    {
        var spa = await SignedInSpa.StartAsync(Server, email: (await Server.CreateUserAsync()).Email!, password: "Str0ng!Password");
        var idToken = new JsonWebToken(spa.IdToken);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var security = await spa.Browser.NavigateAsync("/Account/Security");
        await spa.Browser.SubmitAsync(security, "form.page-actions");

        var token = await ReceivedForAsync(idToken.GetClaim("sid").Value);
        var raw = token.EncodedToken;
        // Signed by the keys in the JWKS, typed logout+jwt, issued by this server to the client: what a receiver checks.
        await OAuth.ValidateJwtAsync(Server.CreateApiClient(), raw, SpaClientId, LogoutTokens.TokenType);
        Assert.Equal(idToken.Subject, token.Subject);
        Assert.Equal([SpaClientId], token.Audiences);
        Assert.False(token.TryGetPayloadValue<string>("nonce", out _));
        Assert.False(string.IsNullOrEmpty(token.Id));
        Assert.InRange(token.IssuedAt, before.UtcDateTime, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(TimeSpan.FromMinutes(2), token.ValidTo - token.IssuedAt);
        using var events = JsonDocument.Parse(token.GetPayloadValue<JsonElement>("events").GetRawText());
        var member = Assert.Single(events.RootElement.EnumerateObject());
        Assert.Equal(LogoutTokens.BackChannelLogoutEvent, member.Name);
        Assert.Equal(JsonValueKind.Object, member.Value.ValueKind);
        Assert.Empty(member.Value.EnumerateObject());
    }

    [Fact]
    public async Task RpInitiatedLogout_TellsTheClientsOfThatSessionOnly()
    {
        var email = (await Server.CreateUserAsync()).Email!;
        var spa = await SignedInSpa.StartAsync(Server, email: email, password: "Str0ng!Password");
        var other = await SignedInSpa.StartAsync(Server, email: email, password: "Str0ng!Password");
        var sid = new JsonWebToken(spa.IdToken).GetClaim("sid").Value;

        var done = await spa.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri, spa.IdToken));
        Assert.NotNull(done.ExternalRedirect);

        await ReceivedForAsync(sid);
        var otherSid = new JsonWebToken(other.IdToken).GetClaim("sid").Value;
        Assert.DoesNotContain(Receiver.Tokens, token => token.TryGetPayloadValue<string>("sid", out var value) && value == otherSid);
    }

    [Fact]
    public async Task SessionWithoutTokensForTheClient_NothingSent()
    {
        var user = await Server.CreateUserAsync();
        var browser = Server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, "Str0ng!Password");

        var security = await browser.NavigateAsync("/Account/Security");
        await browser.SubmitAsync(security, "form.page-actions");

        // A session with a client in it, ended after: once its token has come, the first one would have too.
        var marker = await SignedInSpa.StartAsync(Server, email: user.Email!, password: "Str0ng!Password");
        await marker.Browser.SubmitAsync(await marker.Browser.NavigateAsync("/Account/Security"), "form.page-actions");
        await ReceivedForAsync(new JsonWebToken(marker.IdToken).GetClaim("sid").Value);
        Assert.Single(Receiver.Tokens, token => token.Subject == user.Id);
    }

    [Fact]
    public async Task RefreshTokenReuse_TellsTheClientItsSessionIsOver()
    {
        var spa = await SignedInSpa.StartAsync(Server, email: (await Server.CreateUserAsync()).Email!, password: "Str0ng!Password");
        var client = Server.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken)).Status);

        var reused = await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken);

        Assert.Equal("invalid_grant", reused.Error);
        await ReceivedForAsync(new JsonWebToken(spa.IdToken).GetClaim("sid").Value);
    }

    [Fact]
    public async Task PasswordChange_TellsTheClientsOfTheOtherSessions()
    {
        var user = await Server.CreateUserAsync();
        var elsewhere = await SignedInSpa.StartAsync(Server, email: user.Email!, password: "Str0ng!Password");

        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>();
            var stored = await users.FindByIdAsync(user.Id);
            Assert.True((await users.ChangePasswordAsync(stored!, "Str0ng!Password", "An0ther!Password")).Succeeded);
        }

        await ReceivedForAsync(new JsonWebToken(elsewhere.IdToken).GetClaim("sid").Value);
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("delete")]
    public async Task AdminLockOrDelete_TellsTheClientsOfEverySession(string action)
    {
        var user = await Server.CreateUserAsync();
        var spa = await SignedInSpa.StartAsync(Server, email: user.Email!, password: "Str0ng!Password");

        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>();
            var stored = (await users.FindByIdAsync(user.Id))!;
            Assert.True((action == "lock"
                ? await users.SetLockoutEndDateAsync(stored, DateTimeOffset.UtcNow.AddDays(1))
                : await users.DeleteAsync(stored)).Succeeded);
        }

        var token = await ReceivedForAsync(new JsonWebToken(spa.IdToken).GetClaim("sid").Value);
        Assert.Equal(user.Id, token.Subject);
    }

    [Fact]
    public async Task AppAccessWithdrawn_TellsThatAppForTheSession()
    {
        var spa = await SignedInSpa.StartAsync(Server, email: (await Server.CreateUserAsync()).Email!, password: "Str0ng!Password");
        var sid = new JsonWebToken(spa.IdToken).GetClaim("sid").Value;
        await using (var scope = Server.Services.CreateAsyncScope())
        {
            var applications = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictApplicationManager>();
            var application = (await applications.FindByClientIdAsync(SpaClientId))!;
            await scope.ServiceProvider.GetRequiredService<TokenRevocation.Revoker>()
                .RevokeClientAccessAsync(new JsonWebToken(spa.IdToken).Subject, (await applications.GetIdAsync(application))!);
        }

        await ReceivedForAsync(sid);
    }

    [Fact]
    public async Task ClientDown_DeliveredOnceItIsBack()
    {
        var spa = await SignedInSpa.StartAsync(Server, email: (await Server.CreateUserAsync()).Email!, password: "Str0ng!Password");
        var sid = new JsonWebToken(spa.IdToken).GetClaim("sid").Value;
        var retries = Keys.MessageRetries(BackChannelLogouts.Topic);
        await Receiver.StopAsync();
        try
        {
            await spa.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri, spa.IdToken));
            // Failed at least once (nobody listens), so waiting in the retry set.
            await Eventually.TrueAsync(async () => await Database.SortedSetLengthAsync(retries) > 0);
        }
        finally
        {
            await Receiver.StartAsync();
        }

        await ReceivedForAsync(sid);
    }

    [Fact]
    public async Task ClientRefusing_DeadLetteredWithItsReason()
    {
        var spa = await SignedInSpa.StartAsync(Server, email: (await Server.CreateUserAsync()).Email!, password: "Str0ng!Password");
        var sid = new JsonWebToken(spa.IdToken).GetClaim("sid").Value;
        var deadLetters = Keys.MessageDeadLetters(BackChannelLogouts.Topic);
        var before = await Scrape.InMemoryAsync(Server.CreateApiClient());
        Receiver.Status = 400;
        try
        {
            await spa.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri, spa.IdToken));
            await Eventually.TrueAsync(async () => (await Database.StreamRangeAsync(deadLetters))
                .Any(entry => entry["recipient"] == SpaClientId && entry["reason"].ToString().Contains("400")));
        }
        finally
        {
            Receiver.Status = 200;
        }

        var letter = (await Database.StreamRangeAsync(deadLetters)).Last(entry => entry["recipient"] == SpaClientId);
        // Refused for good at the first attempt: sending that token again cannot change the answer.
        Assert.Contains("refused for good on attempt 1", letter["reason"].ToString());
        Assert.Contains("invalid_request: the test receiver refuses it", letter["reason"].ToString());
        Assert.Single(Receiver.Tokens, token => token.TryGetPayloadValue<string>("sid", out var value) && value == sid);
        var after = await Scrape.InMemoryAsync(Server.CreateApiClient());
        Assert.True(after.Since(before, "redisjwt_messages_dead_lettered_total", ("topic", BackChannelLogouts.Topic)) >= 1);
    }

    private RedisKeys Keys => Server.Services.GetRequiredService<RedisKeys>();

    private IDatabase Database => Server.AdminRedis.GetDatabase();

    private async Task<JsonWebToken> ReceivedForAsync(string sid)
    {
        JsonWebToken? found = null;
        await Eventually.TrueAsync(() => Task.FromResult((found = Receiver.Tokens.FirstOrDefault(token =>
            token.TryGetPayloadValue<string>("sid", out var value) && value == sid)) is not null));
        return found!;
    }
}
