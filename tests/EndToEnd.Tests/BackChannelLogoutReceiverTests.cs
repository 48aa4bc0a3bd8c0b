using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// Acme Planner's receiver of OpenID Connect Back-Channel Logout 1.0 (POST /backchannel-logout), signed-in users of
/// a real IdentityServer, and logout tokens signed with that server's key (<see cref="LogoutTokenForge"/>).
/// </summary>
[Collection(SamplesCollection.Name)]
public sealed class BackChannelLogoutReceiverTests(SampleDeployment deployment) : IAsyncLifetime
{
    private PlannerFactory _planner = null!;
    private LogoutTokenForge _forge = null!;

    public async Task InitializeAsync()
    {
        _planner = new PlannerFactory(deployment);
        _forge = await LogoutTokenForge.ForAsync(deployment.Issuer);
    }

    public async Task DisposeAsync() => await _planner.DisposeAsync();

    [Fact]
    public async Task ValidToken_EndsThatSession_NextPageAsksToSignIn_OtherUserUntouched()
    {
        var (planner, _, user) = await _planner.ConnectAsync();
        var (otherPlanner, _, _) = await _planner.ConnectAsync();
        var (sid, sub) = SessionOf(user);

        var token = _forge.Create(sid, sub);
        using var response = await PostAsync(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var challenge = (await planner.NavigateAsync("/board")).ExternalRedirect;
        Assert.NotNull(challenge);
        Assert.Equal(new Uri(deployment.Issuer, "connect/authorize"), new Uri(challenge.GetLeftPart(UriPartial.Path)));
        Assert.Equal("/board", (await otherPlanner.NavigateAsync("/board")).Url.AbsolutePath);
        var logged = Assert.Single(_planner.Logs.Entries, entry => entry.Text.Contains("Back-channel logout", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.Contains(sid, logged.Text);
        Assert.DoesNotContain(token, logged.Text);
    }

    [Fact]
    public async Task AcceptedToken_PostedAgain_RefusedAsReplay()
    {
        // No planner session needs to exist: the receiver cannot tell, and ends the sid in case a cookie turns up.
        var token = _forge.Create(sid: Guid.NewGuid().ToString("N"), sub: Guid.NewGuid().ToString());
        using (var accepted = await PostAsync(token))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        await AssertRefusedAsync(await PostAsync(token), "already received");
    }

    /// <summary>The strongest confusion: the session's own ID token, same issuer, keys, audience, sub and sid.</summary>
    [Fact]
    public async Task IdTokenOfTheSession_RefusedForItsTyp_SessionGoesOn()
    {
        var (planner, board, user) = await _planner.ConnectAsync();
        var signOut = await planner.SubmitAsync(board, "form[action='/signout']");
        var idToken = QueryHelpers.ParseQuery(signOut.ExternalRedirect!.Query)["id_token_hint"].ToString();
        // The user is still signed in at the IdentityServer (the logout redirect was not followed): the same session.
        var (again, _, _) = await _planner.ConnectAsync(user: user);
        Assert.Equal(SessionOf(user).Sid, new JsonWebToken(idToken).GetClaim("sid").Value);

        await AssertRefusedAsync(await PostAsync(idToken), "typ");
        Assert.Equal("/board", (await again.NavigateAsync("/board")).Url.AbsolutePath);
    }

    public enum Forgery
    {
        SignedByOtherKeyWithSameKid,
        AlgNone,
        Expired,
        IssuedTooLongAgo,
        IssuedInTheFuture,
        WrongAudience,
        WrongIssuer,
        TypJwt,
        NoncePresent,
        EventsMissing,
        EventsWithOtherMember,
        EventsMemberNotAnObject,
        SubOnly,
        NeitherSidNorSub,
        JtiMissing,
        LogoutTokenMissing,
        NotFormEncoded,
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Forged_Refused400_SessionGoesOn(Forgery forgery)
    {
        var (planner, _, user) = await _planner.ConnectAsync();
        var (sid, sub) = SessionOf(user);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Token(Action<Dictionary<string, object>> change) => _forge.Create(sid, sub, change);
        var events = LogoutTokenForge.BackChannelLogoutEvent;

        var (response, reason) = forgery switch
        {
            Forgery.SignedByOtherKeyWithSameKid => (await PostAsync(_forge.SignedByOtherKeyWithSameKid(sid, sub)), "signature"),
            Forgery.AlgNone => (await PostAsync(_forge.Unsigned(sid, sub)), "signature"),
            // Past exp beyond the skew, with an iat still recent enough.
            Forgery.Expired => (await PostAsync(Token(claims => (claims["iat"], claims["exp"]) = (now - 100, now - 60))), "expired"),
            Forgery.IssuedTooLongAgo => (await PostAsync(Token(claims => claims["iat"] = now - 600)), "iat"),
            Forgery.IssuedInTheFuture => (await PostAsync(Token(claims => (claims["iat"], claims["exp"]) = (now + 600, now + 720))), "iat"),
            Forgery.WrongAudience => (await PostAsync(Token(claims => claims["aud"] = IdentityServerFactory.SpaClientId)), "not for this client"),
            Forgery.WrongIssuer => (await PostAsync(Token(claims => claims["iss"] = "http://127.0.0.1:1/")), "issuer"),
            Forgery.TypJwt => (await PostAsync(_forge.Create(sid, sub, type: "JWT")), "typ"),
            Forgery.NoncePresent => (await PostAsync(Token(claims => claims["nonce"] = "n-0S6_WzA2Mj")), "nonce"),
            Forgery.EventsMissing => (await PostAsync(Token(claims => claims.Remove("events"))), "events"),
            Forgery.EventsWithOtherMember => (await PostAsync(Token(claims => claims["events"] =
                new Dictionary<string, object> { ["http://schemas.openid.net/event/other"] = new Dictionary<string, object>() })), "events"),
            Forgery.EventsMemberNotAnObject => (await PostAsync(Token(claims => claims["events"] =
                new Dictionary<string, object> { [events] = "logout" })), "events"),
            Forgery.SubOnly => (await PostAsync(Token(claims => claims.Remove("sid"))), "sid"),
            Forgery.NeitherSidNorSub => (await PostAsync(Token(claims => { claims.Remove("sid"); claims.Remove("sub"); })), "sid"),
            Forgery.JtiMissing => (await PostAsync(Token(claims => claims.Remove("jti"))), "jti"),
            Forgery.LogoutTokenMissing => (await SendAsync(new FormUrlEncodedContent([new("token", _forge.Create(sid, sub))])), "logout_token"),
            Forgery.NotFormEncoded => (await SendAsync(JsonContent.Create(new { logout_token = _forge.Create(sid, sub) })), "logout_token"),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };

        await AssertRefusedAsync(response, reason);
        Assert.Equal("/board", (await planner.NavigateAsync("/board")).Url.AbsolutePath);
        var refused = Assert.Single(_planner.Logs.Entries, entry => entry.Text.Contains("Refused a back-channel logout", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, refused.Level);
    }

    public static TheoryData<Forgery> Forgeries => new(Enum.GetValues<Forgery>());

    private static (string Sid, string Sub) SessionOf(SignedInSpa user)
    {
        // The SPA's ID token comes from the same session at the IdentityServer as the planner's sign-in.
        var idToken = new JsonWebToken(user.IdToken);
        return (idToken.GetClaim("sid").Value, idToken.Subject);
    }

    private Task<HttpResponseMessage> PostAsync(string logoutToken) =>
        SendAsync(new FormUrlEncodedContent([new("logout_token", logoutToken)]));

    // Server to server: no browser, no cookie.
    private async Task<HttpResponseMessage> SendAsync(HttpContent content)
    {
        using var client = _planner.CreateClient(new() { BaseAddress = PlannerFactory.Address, AllowAutoRedirect = false });
        return await client.PostAsync("/backchannel-logout", content);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string reason)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            using var error = JsonDocument.Parse(body);
            Assert.Equal("invalid_request", error.RootElement.GetProperty("error").GetString());
            Assert.Contains(reason, error.RootElement.GetProperty("error_description").GetString());
        }
    }
}
