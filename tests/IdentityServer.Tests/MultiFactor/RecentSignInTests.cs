using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.MultiFactor.MultiFactorBrowsing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>
/// A browser left signed in (or a stolen cookie) cannot add a factor of its holder's or take new recovery codes: those
/// need a sign-in within 15 minutes, else the password (and second factor) again.
/// </summary>
public sealed class RecentSignInTests : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private readonly IdentityServerFactory _server = Create(NewDatabaseName(), NewRedisPrefix());

    public RecentSignInTests() => _server.TestServices = services => services.AddSingleton<TimeProvider>(_clock);

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task OldSession_AddingAFactorOrNewCodes_SentToSignInAgain()
    {
        var (enrolled, enrolledEmail) = await SignedInAsync(_server);
        await EnrolAuthenticatorAsync(enrolled);
        var page = await enrolled.NavigateAsync("/Account/TwoFactor");
        var (plain, _) = await SignedInAsync(_server);

        _clock.Offset += TimeSpan.FromMinutes(16);

        Assert.Equal("/Account/Login", (await plain.NavigateAsync("/Account/TwoFactor/Authenticator")).Url.AbsolutePath);
        var passkey = await enrolled.SubmitAsync(page, "#add-passkey", new Dictionary<string, string> { ["name"] = "Planted" });
        Assert.Equal("/Account/Login", passkey.Url.AbsolutePath);
        var codes = await enrolled.SubmitAsync(page, "form[action*='ReplaceRecoveryCodes']");
        Assert.Equal("/Account/Login", codes.Url.AbsolutePath);
        Assert.Null(codes.Document?.QuerySelector("#recovery-codes"));
        // The page itself still shows: only changes need the recent sign-in.
        Assert.Equal(HttpStatusCode.OK, (await enrolled.NavigateAsync("/Account/TwoFactor")).Response.StatusCode);
    }

    [Fact]
    public async Task OldSession_SteppedUpWithASecondFactorAlone_StillCannotAddAFactor()
    {
        var (browser, _) = await SignedInAsync(_server);
        var (key, _) = await EnrolAuthenticatorAsync(browser);
        _clock.Offset += TimeSpan.FromMinutes(16);

        // A code glimpsed over the owner's shoulder, typed into the browser they left signed in.
        var steppedUp = await SubmitCodeAsync(browser, await browser.NavigateAsync("/Account/SecondFactor"), Totp.Code(key, 1));
        Assert.Null(steppedUp.Document?.QuerySelector("#second-factor-error"));

        var page = await browser.NavigateAsync("/Account/TwoFactor");
        var planted = await browser.SubmitAsync(page, "#add-passkey", new Dictionary<string, string> { ["name"] = "Planted" });
        Assert.Equal("/Account/Login", planted.Url.AbsolutePath);
    }

    [Fact]
    public async Task SignedInAgain_AfterAnOldSession_EnrolmentGoesAhead()
    {
        var (browser, email) = await SignedInAsync(_server);
        _clock.Offset += TimeSpan.FromMinutes(16);
        Assert.Equal("/Account/Login", (await browser.NavigateAsync("/Account/TwoFactor/Authenticator")).Url.AbsolutePath);

        await OAuth.SignInAsync(browser, email, Password);

        var enrolment = await browser.NavigateAsync("/Account/TwoFactor/Authenticator");
        Assert.NotNull(enrolment.Document!.QuerySelector("#authenticator-key"));
    }
}
