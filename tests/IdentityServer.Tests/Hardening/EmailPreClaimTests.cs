using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 1 (issue 17): a GET on the emailed link confirmed the address with no proof of who registered it,
/// the registrant's sessions survived, and ID tokens said email_verified=true for an account whose password an
/// attacker chose. Now the link opens a page; confirming proves control of the account (its session or its password),
/// rotates the security stamp and ends every other session; a password reset (the link goes to the address) confirms
/// too, which is how an address's owner takes back an account someone else registered with it.
/// </summary>
public sealed class EmailPreClaimTests(MessageFolderServer messages) : IClassFixture<MessageFolderServer>
{
    private const string AttackerPassword = "Attack3r!Password";
    private const string OwnerPassword = "0wner!NewPassword";

    private IdentityServerFactory Server => messages.Server;

    [Fact]
    public async Task AttackerRegistersTheOwnersAddress_OwnerTakesItBack_AttackersSessionsDeadAndPasswordUseless()
    {
        var email = await RegisterAsync(AttackerPassword);
        var attacker = Server.CreateBrowser();
        await OAuth.SignInAsync(attacker, email, AttackerPassword);
        var (_, attackerRefresh) = await AuthApiClient.SignInAsync(Server.CreateApiClient(), email, AttackerPassword);

        // The owner opens the link: nothing is confirmed by that, nor by a password the owner cannot know.
        var owner = Server.CreateBrowser();
        var link = MessageFolderServer.Link(await messages.WaitForAsync(email, MessageKinds.EmailVerification), AccountMessages.ConfirmEmailPath);
        var opened = await owner.NavigateAsync(link.PathAndQuery);
        Assert.NotNull(opened.Document!.QuerySelector("#reset-instead"));
        var guessed = await owner.SubmitAsync(opened, "#confirm-form", new Dictionary<string, string> { ["Password"] = "A!guess123" });
        Assert.Equal(HttpStatusCode.BadRequest, guessed.Response.StatusCode);
        Assert.NotNull(guessed.Document!.QuerySelector("#confirm-error"));
        Assert.False((await messages.FindUserAsync(email)).EmailConfirmed);

        // The reset link goes to the address: following it proves the owner controls it.
        Assert.Equal(HttpStatusCode.Accepted, (await AuthApiClient.SendAsync(Server.CreateApiClient(), HttpMethod.Post,
            "/auth/password/forgot", new { email })).Status);
        var reset = MessageFolderServer.Link(await messages.WaitForAsync(email, MessageKinds.PasswordReset), AccountMessages.ResetPasswordPath);
        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.SendAsync(Server.CreateApiClient(), HttpMethod.Post,
            "/auth/password/reset", new { userId = reset.UserId, code = reset.Code, newPassword = OwnerPassword })).Status);

        Assert.True((await messages.FindUserAsync(email)).EmailConfirmed);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(Server.CreateApiClient(), attackerRefresh)).Error);
        Assert.Equal("/Account/Login", (await attacker.NavigateAsync("/Account/Security")).Url.AbsolutePath);
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(Server.CreateApiClient(), email, AttackerPassword)).Status);

        var ownersSession = await SignedInSpa.StartAsync(Server, "openid email", email, OwnerPassword);
        Assert.True(new JsonWebToken(ownersSession.IdToken).GetPayloadValue<bool>("email_verified"));
    }

    [Fact]
    public async Task Confirm_WithThePassword_EndsEverySessionOfTheAccount()
    {
        var email = await RegisterAsync(OwnerPassword);
        var elsewhere = Server.CreateBrowser();
        await OAuth.SignInAsync(elsewhere, email, OwnerPassword);
        var (_, refresh) = await AuthApiClient.SignInAsync(Server.CreateApiClient(), email, OwnerPassword);
        var stampBefore = (await messages.FindUserAsync(email)).SecurityStamp;

        var link = MessageFolderServer.Link(await messages.WaitForAsync(email, MessageKinds.EmailVerification), AccountMessages.ConfirmEmailPath);
        var confirmed = await ConfirmationLinks.ConfirmAsync(Server.CreateBrowser(), link.PathAndQuery, OwnerPassword);

        Assert.NotNull(confirmed.Document!.QuerySelector("#confirmed"));
        var user = await messages.FindUserAsync(email);
        Assert.True(user.EmailConfirmed);
        Assert.NotEqual(stampBefore, user.SecurityStamp);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(Server.CreateApiClient(), refresh)).Error);
        Assert.Equal("/Account/Login", (await elsewhere.NavigateAsync("/Account/Security")).Url.AbsolutePath);
    }

    [Fact]
    public async Task Confirm_SignedInAsTheAccount_NoPasswordThisSessionKeptOthersEnded()
    {
        var email = await RegisterAsync(OwnerPassword);
        var here = Server.CreateBrowser();
        await OAuth.SignInAsync(here, email, OwnerPassword);
        var (_, otherRefresh) = await AuthApiClient.SignInAsync(Server.CreateApiClient(), email, OwnerPassword);

        var link = MessageFolderServer.Link(await messages.WaitForAsync(email, MessageKinds.EmailVerification), AccountMessages.ConfirmEmailPath);
        var opened = await here.NavigateAsync(link.PathAndQuery);
        Assert.Null(opened.Document!.QuerySelector("#confirm-form input[name='Password']"));
        var confirmed = await here.SubmitAsync(opened, "#confirm-form");

        Assert.NotNull(confirmed.Document!.QuerySelector("#confirmed"));
        Assert.True((await messages.FindUserAsync(email)).EmailConfirmed);
        // Issued again with the new security stamp, for the same session.
        Assert.Contains(confirmed.Response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("redisjwt.identity=", StringComparison.Ordinal));
        Assert.Equal("/Account/Security", (await here.NavigateAsync("/Account/Security")).Url.AbsolutePath);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(Server.CreateApiClient(), otherRefresh)).Error);
    }

    [Fact]
    public async Task ConfirmPage_WithoutTheLink_TellsNothingAboutTheAccount()
    {
        // A confirmed account, an unconfirmed one and no account at all: the same page for a made-up code.
        var confirmed = await Server.CreateUserAsync();
        await Server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(confirmed.Id))!;
            user.EmailConfirmed = true;
            return await users.UpdateAsync(user);
        });
        var unconfirmed = await Server.CreateUserAsync();

        foreach (var userId in new[] { confirmed.Id, unconfirmed.Id, Guid.NewGuid().ToString() })
        {
            var page = await Server.CreateBrowser().NavigateAsync($"/Account/ConfirmEmail?userId={userId}&code=QUFBQQ");
            Assert.Equal(HttpStatusCode.BadRequest, page.Response.StatusCode);
            Assert.NotNull(page.Document!.QuerySelector("#confirm-failed"));
        }
    }

    [Fact]
    public async Task ConfirmForm_WithoutAntiforgeryToken_Refused()
    {
        var email = await RegisterAsync(OwnerPassword);
        var link = MessageFolderServer.Link(await messages.WaitForAsync(email, MessageKinds.EmailVerification), AccountMessages.ConfirmEmailPath);
        var browser = Server.CreateBrowser();
        var opened = await browser.NavigateAsync(link.PathAndQuery);

        var forged = await browser.SubmitAsync(opened, "#confirm-form", new Dictionary<string, string>
        {
            ["Password"] = OwnerPassword,
            ["__RequestVerificationToken"] = "forged",
        });

        Assert.Equal(HttpStatusCode.BadRequest, forged.Response.StatusCode);
        Assert.False((await messages.FindUserAsync(email)).EmailConfirmed);
    }

    private async Task<string> RegisterAsync(string password)
    {
        var email = $"owner-{Guid.NewGuid():N}@example.test";
        var registered = await AuthApiClient.SendAsync(Server.CreateApiClient(), HttpMethod.Post, "/auth/register",
            new { email, password, displayName = "Someone", birthdate = "1990-01-01" });
        Assert.Equal(HttpStatusCode.Accepted, registered.Status);
        return email;
    }
}
