using System.Net;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.MultiFactor.MultiFactorBrowsing;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>
/// Authenticator apps (RFC 6238) and recovery codes, through the pages: enrolment confirmed by a first code, the second
/// step after the password, a code accepted once, guesses locking the account, recovery codes used once, and the
/// amr/acr the tokens then carry.
/// </summary>
public sealed class AuthenticatorSignInTests(MessageFolderServer messages) : IClassFixture<MessageFolderServer>
{
    private IdentityServerFactory Server => messages.Server;

    [Fact]
    public async Task Enrolment_WrongFirstCode_NotTurnedOn()
    {
        var (browser, email) = await SignedInAsync(Server);
        var enrolment = await browser.NavigateAsync("/Account/TwoFactor/Authenticator");

        var wrong = await browser.SubmitAsync(enrolment, "form", new Dictionary<string, string> { ["code"] = "000000" });

        Assert.Equal(SecondFactorModel.WrongCodeMessage, wrong.Document!.QuerySelector("#authenticator-error")!.TextContent);
        // Still a password alone: signed in by it, no second step.
        var other = Server.CreateBrowser();
        await PasswordAsync(other, email);
        Assert.Equal("/Account/Security", (await other.NavigateAsync("/Account/Security")).Url.AbsolutePath);
    }

    [Fact]
    public async Task Enrolled_WrongCodePostedToTheEnrolmentPage_KeyNeverShownAgain()
    {
        var (browser, _) = await SignedInAsync(Server);
        var enrolment = await browser.NavigateAsync("/Account/TwoFactor/Authenticator");
        var key = enrolment.Document!.QuerySelector("#authenticator-key")!.TextContent;
        await browser.SubmitAsync(enrolment, "form", new Dictionary<string, string> { ["code"] = Totp.Code(key.Replace(" ", "")) });

        // The form as it was, posted again with a wrong code (what a stolen session would try).
        var again = await browser.SubmitAsync(enrolment, "form", new Dictionary<string, string> { ["code"] = "000000" });

        Assert.DoesNotContain(key, again.Body);
        Assert.Null(again.Document?.QuerySelector("#authenticator-key"));
        Assert.Null(again.Document?.QuerySelector("#authenticator-qr"));
    }

    [Fact]
    public async Task Enrolled_PasswordThenCode_SignsInWithTwoFactors()
    {
        var (browser, email) = await SignedInAsync(Server);
        var (key, recoveryCodes) = await EnrolAuthenticatorAsync(browser);
        Assert.Equal(10, recoveryCodes.Distinct().Count());

        var other = Server.CreateBrowser();
        var secondFactor = await PasswordAsync(other, email);
        Assert.Equal("/Account/SecondFactor", secondFactor.Url.AbsolutePath);
        // The password alone signed nobody in: the account pages still send this browser to the login page.
        Assert.Equal("/Account/Login", (await other.NavigateAsync("/Account/Security")).Url.AbsolutePath);

        var signedIn = await SubmitCodeAsync(other, await other.NavigateAsync(secondFactor.Url.PathAndQuery), Totp.Code(key, 1));
        Assert.Null(signedIn.Document?.QuerySelector("#second-factor-error"));

        var tokens = await TokensAsync(other);
        Assert.Equal(["pwd", "otp", "mfa"], Amr(tokens.Get("id_token")));
        Assert.Equal("mfa", Acr(tokens.Get("id_token")));
        Assert.Equal("mfa", Acr(tokens.Get("access_token")));
    }

    [Fact]
    public async Task EnrolmentKey_ShownToAnotherSession_NotTheOneTheOwnerSetsUp()
    {
        var (owner, email) = await SignedInAsync(Server);
        // Someone with the password opens the enrolment page, copies the key, and leaves without confirming.
        var intruder = Server.CreateBrowser();
        await PasswordAsync(intruder, email);
        var copied = (await intruder.NavigateAsync("/Account/TwoFactor/Authenticator")).Document!.QuerySelector("#authenticator-key")!.TextContent;

        var shown = (await owner.NavigateAsync("/Account/TwoFactor/Authenticator")).Document!.QuerySelector("#authenticator-key")!.TextContent;

        Assert.NotEqual(copied, shown);
        var (key, _) = await EnrolAuthenticatorAsync(owner);
        Assert.Equal(shown.Replace(" ", ""), key);
    }

    [Fact]
    public async Task Code_UsedTwice_RefusedTheSecondTime()
    {
        var (browser, email) = await SignedInAsync(Server);
        var (key, _) = await EnrolAuthenticatorAsync(browser);
        var code = Totp.Code(key, 1);

        var first = Server.CreateBrowser();
        await SubmitCodeAsync(first, await PasswordAsync(first, email), code);
        var second = Server.CreateBrowser();
        var replayed = await SubmitCodeAsync(second, await PasswordAsync(second, email), code);

        Assert.Equal(SecondFactorModel.WrongCodeMessage, replayed.Document!.QuerySelector("#second-factor-error")!.TextContent);
        Assert.Equal("/Account/Login", (await second.NavigateAsync("/Account/Security")).Url.AbsolutePath);
    }

    [Fact]
    public async Task WrongCodes_LockTheAccount_PasswordRefusedToo()
    {
        var (browser, email) = await SignedInAsync(Server);
        await EnrolAuthenticatorAsync(browser);
        var attacker = Server.CreateBrowser();
        var page = await PasswordAsync(attacker, email);

        for (var guess = 0; guess < 5; guess++)
        {
            page = await SubmitCodeAsync(attacker, await attacker.NavigateAsync("/Account/SecondFactor"), $"{guess:D6}");
        }

        var locked = await SubmitCodeAsync(attacker, await attacker.NavigateAsync("/Account/SecondFactor"), "999999");
        Assert.Equal(SecondFactorModel.LockedOutMessage, locked.Document!.QuerySelector("#second-factor-error")!.TextContent);
        var login = await PasswordAsync(Server.CreateBrowser(), email);
        Assert.Equal(LoginModel.FailureMessage, login.Document!.QuerySelector("p.error")!.TextContent);
    }

    [Fact]
    public async Task RecoveryCode_SignsInOnce_AndTheOwnerIsTold()
    {
        var (browser, email) = await SignedInAsync(Server);
        var (_, recoveryCodes) = await EnrolAuthenticatorAsync(browser);
        // As a user types it from paper: upper case, spaces for dashes.
        var typed = recoveryCodes[0].ToUpperInvariant().Replace('-', ' ');

        var first = Server.CreateBrowser();
        await SubmitRecoveryCodeAsync(first, await PasswordAsync(first, email), typed);
        var tokens = await TokensAsync(first);
        Assert.Equal("mfa", Acr(tokens.Get("id_token")));
        var alert = await messages.WaitForAsync(email, MessageKinds.RecoveryCodeUsed);
        Assert.Contains("9 remain", alert.Text);

        var second = Server.CreateBrowser();
        var reused = await SubmitRecoveryCodeAsync(second, await PasswordAsync(second, email), typed);
        Assert.Equal(SecondFactorModel.WrongCodeMessage, reused.Document!.QuerySelector("#second-factor-error")!.TextContent);
    }
}
