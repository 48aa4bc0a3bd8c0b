using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.MultiFactor.MultiFactorBrowsing;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>
/// Passkeys (WebAuthn L3) through the pages, from a software authenticator (<see cref="PasskeyForge"/>): added on the
/// account page, a passkey alone signs in with two factors, or follows the password as the second; and every forged
/// ceremony, each wrong in exactly one way, is refused without a session.
/// </summary>
public sealed class PasskeySignInTests(MessageFolderServer messages) : IClassFixture<MessageFolderServer>
{
    private IdentityServerFactory Server => messages.Server;

    [Fact]
    public async Task Added_ListedWithRecoveryCodes_ThenSignsInAloneWithTwoFactors()
    {
        var (browser, _) = await SignedInAsync(Server);
        using var passkey = new PasskeyForge();

        var added = await AddPasskeyAsync(browser, passkey, name: "Work laptop");

        Assert.Null(added.Document!.QuerySelector("#two-factor-error"));
        Assert.Equal("Work laptop", Assert.Single(added.Document.QuerySelectorAll("#passkeys li")).GetAttribute("data-passkey-name"));
        Assert.Equal(10, added.Document.QuerySelectorAll("#new-recovery-codes #recovery-codes code").Select(c => c.TextContent).Distinct().Count());

        var other = Server.CreateBrowser();
        var signedIn = await PasskeySignInAsync(other, passkey);
        Assert.Null(signedIn.Document?.QuerySelector("p.error"));
        var tokens = await TokensAsync(other);
        Assert.Equal(["hwk", "mfa"], Amr(tokens.Get("id_token")));
        Assert.Equal("mfa", Acr(tokens.Get("id_token")));
        Assert.Equal("mfa", Acr(tokens.Get("access_token")));
    }

    [Fact]
    public async Task SyncedPasskey_SignsInAlone_AmrSoftwareKey()
    {
        var (_, passkey) = await RegisteredAsync(backupEligible: true);

        var browser = Server.CreateBrowser();
        await PasskeySignInAsync(browser, passkey);

        var tokens = await TokensAsync(browser);
        Assert.Equal(["swk", "mfa"], Amr(tokens.Get("id_token")));
        Assert.Equal("mfa", Acr(tokens.Get("id_token")));
    }

    [Fact]
    public async Task PasswordThenPasskey_SecondFactor_SignsInWithTwoFactors()
    {
        var (email, passkey) = await RegisteredAsync();

        var browser = Server.CreateBrowser();
        var secondFactor = await PasswordAsync(browser, email);
        Assert.Equal("/Account/SecondFactor", secondFactor.Url.AbsolutePath);
        var signedIn = await SecondFactorPasskeyAsync(browser, secondFactor, passkey);

        Assert.Null(signedIn.Document?.QuerySelector("#second-factor-error"));
        var tokens = await TokensAsync(browser);
        Assert.Equal(["pwd", "hwk", "mfa"], Amr(tokens.Get("id_token")));
        Assert.Equal("mfa", Acr(tokens.Get("id_token")));
    }

    /// <summary>Assertions wrong in exactly one way; each test then shows the same passkey, unforged, signing in.</summary>
    public static TheoryData<string> Forgeries => new()
    {
        "no user verification", "no user presence", "signed by another key", "signature over other data",
        "another origin", "another RP ID", "type webauthn.create",
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task PasskeyAlone_ForgedAssertion_Refused(string wrong)
    {
        var (_, passkey) = await RegisteredAsync();
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forgery = wrong switch
        {
            "no user verification" => PasskeyForge.Forgery.None with { UserVerified = false },
            "no user presence" => PasskeyForge.Forgery.None with { UserPresent = false },
            "signed by another key" => PasskeyForge.Forgery.None with { SignedBy = otherKey },
            "signature over other data" => PasskeyForge.Forgery.None with { SignatureOverOtherData = true },
            "another origin" => PasskeyForge.Forgery.None with { Origin = "http://localhost.evil.example" },
            "another RP ID" => PasskeyForge.Forgery.None with { RpId = "evil.example" },
            "type webauthn.create" => PasskeyForge.Forgery.None with { Type = "webauthn.create" },
            _ => throw new ArgumentOutOfRangeException(nameof(wrong)),
        };

        var browser = Server.CreateBrowser();
        var refused = await PasskeySignInAsync(browser, passkey, forgery);

        await AssertRefusedAsync(browser, refused);
        // Nothing wrong with the passkey itself: the same ceremony, unforged, signs in.
        Assert.Null((await PasskeySignInAsync(Server.CreateBrowser(), passkey)).Document?.QuerySelector("p.error"));
    }

    /// <summary>
    /// An assertion made on another origin (a subdomain page may ask for the parent's RP ID, WebAuthn 5.1.4.1 step 7)
    /// and relayed to the server with that origin in the Origin header too: the origin must be the server's own
    /// (WebAuthn 7.2 step 13), not whatever the request claims. (Identity's default compared it with the request's Origin
    /// header, and this forged sign-in succeeded: see MultiFactor/PasskeyOrigin.)
    /// </summary>
    [Fact]
    public async Task PasskeyAlone_AnotherOriginClaimedByTheRequestToo_Refused()
    {
        const string sibling = "http://evil.localhost";
        var (_, passkey) = await RegisteredAsync();

        var browser = Server.CreateBrowser();
        var refused = await PasskeySignInAsync(browser, passkey, PasskeyForge.Forgery.None with { Origin = sibling }, origin: sibling);

        await AssertRefusedAsync(browser, refused);
    }

    [Fact]
    public async Task PasskeyAlone_ChallengeOfAnotherCeremony_Refused()
    {
        var (_, passkey) = await RegisteredAsync();
        var elsewhere = Server.CreateBrowser();
        var otherChallenge = PasskeyForge.ChallengeOf(
            await PasskeyOptionsAsync(elsewhere, await elsewhere.NavigateAsync("/Account/Login"), "#passkey-sign-in"));

        var browser = Server.CreateBrowser();
        var refused = await PasskeySignInAsync(browser, passkey, PasskeyForge.Forgery.None with { Challenge = otherChallenge });

        await AssertRefusedAsync(browser, refused);
    }

    [Fact]
    public async Task PasskeyAlone_ChallengeUsedAlready_Refused()
    {
        var (_, passkey) = await RegisteredAsync();
        var browser = Server.CreateBrowser();
        var login = await browser.NavigateAsync("/Account/Login");
        var options = await PasskeyOptionsAsync(browser, login, "#passkey-sign-in");
        var first = await SubmitPasskeyAsync(browser, login, "#passkey-sign-in", passkey.Assert(options));
        Assert.Null(first.Document?.QuerySelector("p.error"));

        // The same challenge answered again, by the right key with a higher counter: only the challenge is spent.
        var again = await browser.NavigateAsync("/Account/Login");
        var replayed = await SubmitPasskeyAsync(browser, again, "#passkey-sign-in", passkey.Assert(options));

        Assert.Equal(LoginModel.PasskeyFailureMessage, replayed.Document?.QuerySelector("p.error")?.TextContent);
    }

    [Fact]
    public async Task PasskeyAlone_SignCountNotIncreasing_Refused()
    {
        var (_, passkey) = await RegisteredAsync();
        await PasskeySignInAsync(Server.CreateBrowser(), passkey);

        // WebAuthn 6.1.1: the same counter again is a sign of a cloned authenticator.
        var browser = Server.CreateBrowser();
        var refused = await PasskeySignInAsync(browser, passkey, PasskeyForge.Forgery.None with { SignCount = passkey.SignCount });

        await AssertRefusedAsync(browser, refused);
    }

    [Fact]
    public async Task PasskeyAlone_LockedOutUser_Refused()
    {
        var (email, passkey) = await RegisteredAsync();
        await Server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            return await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(email))!, DateTimeOffset.UtcNow.AddHours(1));
        });

        var browser = Server.CreateBrowser();
        var refused = await PasskeySignInAsync(browser, passkey);

        await AssertRefusedAsync(browser, refused);
    }

    [Fact]
    public async Task SecondFactor_AnotherUsersPasskey_Refused()
    {
        var (victim, _) = await RegisteredAsync();
        var (_, attackersPasskey) = await RegisteredAsync();

        var browser = Server.CreateBrowser();
        var secondFactor = await PasswordAsync(browser, victim);
        var refused = await SecondFactorPasskeyAsync(browser, secondFactor, attackersPasskey);

        Assert.Equal(LoginModel.PasskeyFailureMessage, refused.Document?.QuerySelector("#second-factor-error")?.TextContent);
        Assert.Equal("/Account/Login", (await browser.NavigateAsync("/Account/Security")).Url.AbsolutePath);
        // The attacker's passkey, valid on its own, still signs its own account in.
        Assert.Null((await PasskeySignInAsync(Server.CreateBrowser(), attackersPasskey)).Document?.QuerySelector("p.error"));
    }

    [Fact]
    public async Task PasskeyOptions_WithoutAntiforgeryToken_BadRequest()
    {
        var browser = Server.CreateBrowser();
        await browser.NavigateAsync("/Account/Login");

        var response = await browser.Client.PostAsync("/Account/Login?handler=PasskeyOptions",
            new FormUrlEncodedContent(new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Removed_SignIn_Refused()
    {
        var (browser, _) = await SignedInAsync(Server);
        using var passkey = new PasskeyForge();
        await AddedPasskeyAsync(browser, passkey);
        var page = await browser.NavigateAsync("/Account/TwoFactor");
        Assert.Equal(passkey.Id, page.Document!.QuerySelector("#passkeys form input[name=id]")!.GetAttribute("value"));

        var removed = await browser.SubmitAsync(page, "#passkeys form", new Dictionary<string, string> { ["confirmation"] = Password });

        Assert.Empty(removed.Document!.QuerySelectorAll("#passkeys li"));
        var other = Server.CreateBrowser();
        await AssertRefusedAsync(other, await PasskeySignInAsync(other, passkey));
    }

    public static TheoryData<string> RegistrationForgeries => new()
    {
        "no user verification", "another origin", "another RP ID", "challenge of another ceremony", "type webauthn.get",
    };

    [Theory]
    [MemberData(nameof(RegistrationForgeries))]
    public async Task Add_ForgedAttestation_NotAdded(string wrong)
    {
        var (browser, _) = await SignedInAsync(Server);
        var forgery = wrong switch
        {
            "no user verification" => PasskeyForge.Forgery.None with { UserVerified = false },
            "another origin" => PasskeyForge.Forgery.None with { Origin = "http://localhost.evil.example" },
            "another RP ID" => PasskeyForge.Forgery.None with { RpId = "evil.example" },
            "challenge of another ceremony" => PasskeyForge.Forgery.None with
            {
                Challenge = PasskeyForge.ChallengeOf(await PasskeyOptionsAsync(browser, await browser.NavigateAsync("/Account/TwoFactor"), "#add-passkey")),
            },
            "type webauthn.get" => PasskeyForge.Forgery.None with { Type = "webauthn.get" },
            _ => throw new ArgumentOutOfRangeException(nameof(wrong)),
        };
        using var passkey = new PasskeyForge();

        var refused = await AddPasskeyAsync(browser, passkey, forgery);

        Assert.NotNull(refused.Document!.QuerySelector("#two-factor-error"));
        Assert.Empty(refused.Document.QuerySelectorAll("#passkeys li"));
        Assert.Empty(refused.Document.QuerySelectorAll("#recovery-codes code"));
        var other = Server.CreateBrowser();
        await AssertRefusedAsync(other, await PasskeySignInAsync(other, passkey));
    }

    // The login page again with the passkey error, and no session: the account pages send the browser to sign in.
    private static async Task AssertRefusedAsync(Browser browser, Navigation page)
    {
        Assert.Equal(LoginModel.PasskeyFailureMessage, page.Document?.QuerySelector("p.error")?.TextContent);
        Assert.Equal("/Account/Login", (await browser.NavigateAsync("/Account/Security")).Url.AbsolutePath);
    }

    private async Task<(string Email, PasskeyForge Passkey)> RegisteredAsync(bool backupEligible = false)
    {
        var (browser, email) = await SignedInAsync(Server);
        var passkey = new PasskeyForge(backupEligible);
        await AddedPasskeyAsync(browser, passkey);
        return (email, passkey);
    }
}
