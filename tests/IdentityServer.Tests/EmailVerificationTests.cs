using System.Net;
using RedisJwt.IdentityServer.Account.EmailVerification;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Registration sends a confirmation link; with Accounts:RequireConfirmedEmail, sign-in waits for it.</summary>
public sealed class EmailVerificationTests(ConfirmedEmailServer messages) : IClassFixture<ConfirmedEmailServer>
{
    private const string Password = "Str0ng!Password";

    private IdentityServerFactory Server => messages.Server;

    private static string NewEmail() => $"new-{Guid.NewGuid():N}@example.test";

    internal static async Task<string> RegisterByApiAsync(HttpClient client, string birthdate = "1994-05-06")
    {
        var email = NewEmail();
        var created = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register",
            new { email, password = Password, displayName = "New User", birthdate });
        Assert.Equal(HttpStatusCode.Accepted, created.Status);
        return email;
    }

    [Fact]
    public async Task Register_ByPage_TheLinkInTheEmailConfirmsTheAddress_ThenSignInWorks()
    {
        var browser = Server.CreateBrowser();
        var email = NewEmail();
        var form = await browser.NavigateAsync("/Account/Register");
        var registered = await browser.SubmitAsync(form, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.DisplayName"] = "New User",
            ["Input.BirthDate"] = "1984-05-06",
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
        });

        // Not signed in: the page says where the link went.
        Assert.Equal("/Account/ConfirmEmail", registered.Url.AbsolutePath);
        Assert.Contains("Check your inbox", registered.Body);
        var message = await messages.WaitForAsync(email, MessageKinds.EmailVerification);
        Assert.Equal(MessageChannels.Email, message.Channel);
        Assert.False((await messages.FindUserAsync(email)).EmailConfirmed);

        var link = MessageFolderServer.Link(message, AccountMessages.ConfirmEmailPath);
        var opened = await browser.NavigateAsync(link.PathAndQuery);
        Assert.Equal(email, opened.Document!.QuerySelector("#confirm-email")!.TextContent);
        Assert.False((await messages.FindUserAsync(email)).EmailConfirmed, "opening the link confirms nothing");
        var confirmed = await browser.SubmitAsync(opened, "#confirm-form", new Dictionary<string, string> { ["Password"] = Password });

        Assert.Equal(HttpStatusCode.OK, confirmed.Response.StatusCode);
        Assert.NotNull(confirmed.Document!.QuerySelector("#confirmed"));
        Assert.True((await messages.FindUserAsync(email)).EmailConfirmed);
        await OAuth.SignInAsync(browser, email, Password);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(Server.CreateApiClient(), email, Password)).Status);
    }

    [Fact]
    public async Task Unconfirmed_SignInRefused_WithTheAnswerAnyFailureGets()
    {
        // Whoever registered an address must not learn from the sign-in whether it was new (their password works on a
        // new, unconfirmed account, not on one that existed): the answer is the same as for any failure.
        var client = Server.CreateApiClient();
        var email = await RegisterByApiAsync(client);

        var rightPassword = await AuthApiClient.LoginAsync(client, email, Password);
        var wrongPassword = await AuthApiClient.LoginAsync(client, email, "Wr0ng!Password");
        var unknownEmail = await AuthApiClient.LoginAsync(client, NewEmail(), Password);

        Assert.All(new[] { rightPassword, wrongPassword, unknownEmail }, answer =>
            Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant", PasswordGrant.FailureDescription), (answer.Status, answer.Error, answer.Get("detail"))));

        var browser = Server.CreateBrowser();
        var refusedPage = await OAuth.SubmitLoginAsync(browser, email, Password);
        var wrongPage = await OAuth.SubmitLoginAsync(browser, email, "Wr0ng!Password");
        Assert.Equal(refusedPage.Document!.QuerySelector("[role=alert]")!.TextContent, wrongPage.Document!.QuerySelector("[role=alert]")!.TextContent);
        Assert.Contains(LoginModel.FailureMessage, refusedPage.Body);
        Assert.NotNull(wrongPage.Document.QuerySelector("#resend-confirmation"));
    }

    [Fact]
    public async Task Resend_SameAnswerForAnyAddress_AndARepeatWithinTheLockTimeSendsNothing()
    {
        var client = Server.CreateApiClient();
        var email = await RegisterByApiAsync(client);
        await messages.WaitForAsync(email, MessageKinds.EmailVerification);

        var known = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/email/resend", new { email });
        var unknown = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/email/resend", new { email = NewEmail() });

        Assert.Equal(HttpStatusCode.Accepted, known.Status);
        Assert.Equal(known.Status, unknown.Status);
        Assert.Equal(known.Body, unknown.Body);
        Assert.Equal(EmailConfirmation.ResentMessage, known.Get("message"));
        // The registration's email holds the dispatcher's lock for this recipient and kind.
        await messages.AssertStaysAtAsync(email, MessageKinds.EmailVerification, 1);
    }

    [Theory]
    [InlineData(25, "message-topic-20s")]
    [InlineData(45, "message-topic-40s")]
    // Registration requires a birthdate, so an age no segment covers is how a new account reaches the default topic.
    [InlineData(15, "message-topic-default")]
    public async Task Register_BirthdateInAnAgeGroup_TheEmailGoesThroughThatGroupsTopic(int age, string topic)
    {
        // Mid-year of the age, relative to today, so that the case stays in its group whatever day it runs.
        var birthdate = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(-age).AddMonths(-6);

        var email = await RegisterByApiAsync(Server.CreateApiClient(), birthdate.ToString("yyyy-MM-dd"));

        // The folder provider records the topic whose consumer delivered the message, not one the sender chose.
        Assert.Equal(topic, (await messages.WaitForAsync(email, MessageKinds.EmailVerification)).Topic);
        Assert.Equal(birthdate, (await messages.FindUserAsync(email)).BirthDate);
    }

    [Fact]
    public async Task Resend_ByPage_AnswersTheSameForAnUnknownAddress()
    {
        var browser = Server.CreateBrowser();
        var form = await browser.NavigateAsync("/Account/ResendConfirmation");
        var answer = await browser.SubmitAsync(form, "form", new Dictionary<string, string> { ["Input.Email"] = NewEmail() });

        Assert.Equal(HttpStatusCode.OK, answer.Response.StatusCode);
        Assert.Equal(EmailConfirmation.ResentMessage, answer.Document!.QuerySelector("#notice")?.TextContent);
    }

    [Theory]
    [InlineData("/Account/ConfirmEmail?userId=nobody&code=AAAA")]
    [InlineData("/Account/ConfirmEmail?userId=nobody&code=%%%%")]
    [InlineData("/Account/ConfirmEmail?code=AAAA")]
    public async Task ConfirmEmail_BadLink_FailurePage(string url)
    {
        var page = await Server.CreateBrowser().NavigateAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, page.Response.StatusCode);
        Assert.NotNull(page.Document!.QuerySelector("#confirm-failed"));
    }

    [Fact]
    public async Task ConfirmEmail_AnotherUsersCode_Refused()
    {
        var client = Server.CreateApiClient();
        var first = await RegisterByApiAsync(client);
        var second = await RegisterByApiAsync(client);
        var firstLink = MessageFolderServer.Link(await messages.WaitForAsync(first, MessageKinds.EmailVerification), AccountMessages.ConfirmEmailPath);
        var secondUser = await messages.FindUserAsync(second);

        var page = await Server.CreateBrowser().NavigateAsync($"/Account/ConfirmEmail?userId={secondUser.Id}&code={firstLink.Code}");

        Assert.Equal(HttpStatusCode.BadRequest, page.Response.StatusCode);
        Assert.False((await messages.FindUserAsync(second)).EmailConfirmed);
    }
}

/// <summary>Verification emails lock out repeats for only a few seconds (Messages:LockTimes:email-verification).</summary>
public sealed class ShortVerificationLockServer : MessageFolderServer
{
    public static readonly TimeSpan LockTime = TimeSpan.FromSeconds(2);

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        [$"Messages:LockTimes:{MessageKinds.EmailVerification}"] = LockTime.ToString(),
    };
}

/// <summary>Once the dedup lock has lapsed, a resend sends again (the lock is not a once-only switch).</summary>
public sealed class EmailVerificationLockTests(ShortVerificationLockServer messages) : IClassFixture<ShortVerificationLockServer>
{
    [Fact]
    public async Task Resend_AfterTheLockTime_ASecondLinkArrives_AndConfirmsTheAddress()
    {
        var client = messages.Server.CreateApiClient();
        var email = await EmailVerificationTests.RegisterByApiAsync(client);
        var first = await messages.WaitForAsync(email, MessageKinds.EmailVerification);

        // The registration took the lock when it queued its email; a margin for Redis's expiry.
        await Task.Delay(ShortVerificationLockServer.LockTime + TimeSpan.FromSeconds(1));
        var resent = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/email/resend", new { email });

        Assert.Equal(HttpStatusCode.Accepted, resent.Status);
        var second = await messages.WaitForAsync(email, MessageKinds.EmailVerification, count: 2);
        // The resend reads the user back from the database: the stored birthdate routes it as at registration.
        Assert.Equal(first.Topic, second.Topic);
        var firstLink = MessageFolderServer.Link(first, AccountMessages.ConfirmEmailPath);
        var secondLink = MessageFolderServer.Link(second, AccountMessages.ConfirmEmailPath);
        Assert.NotEqual(firstLink.Code, secondLink.Code);
        Assert.False((await messages.FindUserAsync(email)).EmailConfirmed);

        var confirmed = await ConfirmationLinks.ConfirmAsync(messages.Server.CreateBrowser(), secondLink.PathAndQuery, "Str0ng!Password");

        Assert.Equal(HttpStatusCode.OK, confirmed.Response.StatusCode);
        Assert.NotNull(confirmed.Document!.QuerySelector("#confirmed"));
        Assert.True((await messages.FindUserAsync(email)).EmailConfirmed);
    }
}
