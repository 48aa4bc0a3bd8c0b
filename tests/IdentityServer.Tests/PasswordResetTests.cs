using System.Net;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Account.PasswordRecovery;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class PasswordResetTests(MessageFolderServer messages) : IClassFixture<MessageFolderServer>
{
    private const string Password = "Str0ng!Password";
    private const string NewPassword = "An0ther!Password";

    private IdentityServerFactory Server => messages.Server;

    private static Task<TokenResponse> ForgotAsync(HttpClient client, string email) =>
        AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/forgot", new { email });

    private static Task<TokenResponse> ResetAsync(HttpClient client, string userId, string code, string newPassword) =>
        AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/reset", new { userId, code, newPassword });

    private async Task<(string PathAndQuery, string UserId, string Code)> RequestLinkAsync(HttpClient client, string email, int count = 1)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await ForgotAsync(client, email)).Status);
        return MessageFolderServer.Link(await messages.WaitForAsync(email, MessageKinds.PasswordReset, count), AccountMessages.ResetPasswordPath);
    }

    [Fact]
    public async Task Reset_ByApi_EndsEverySession_OldPasswordRefused_LinkWorksOnce_UserAlerted()
    {
        var user = await Server.CreateUserAsync(Password);
        var client = Server.CreateApiClient();
        var (access, refresh) = await AuthApiClient.SignInAsync(client, user.Email!, Password);
        var browser = await SignedInSpa.StartAsync(Server, email: user.Email!, password: Password);

        var link = await RequestLinkAsync(client, user.Email!);
        Assert.Equal(user.Id, link.UserId);
        var reset = await ResetAsync(client, link.UserId, link.Code, NewPassword);

        Assert.Equal(HttpStatusCode.NoContent, reset.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AuthApiClient.MeAsync(client, access)).Status);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(client, refresh)).Error);
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(client, IdentityServerFactory.SpaClientId, browser.RefreshToken)).Error);
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(client, user.Email!, Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, NewPassword)).Status);

        // Single use: the reset changed the security stamp the token is bound to.
        var again = await ResetAsync(client, link.UserId, link.Code, "Th1rd!Password");
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);
        Assert.Equal("application/problem+json", again.ContentType);
        Assert.Equal(PasswordReset.InvalidLinkMessage, again.Get("detail"));
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, NewPassword)).Status);

        var alert = await messages.WaitForAsync(user.Email!, MessageKinds.PasswordChanged);
        Assert.DoesNotContain(link.Code, alert.Text);
    }

    [Fact]
    public async Task Forgot_UnknownEmail_SameAnswerAsAKnownOne_AndNothingIsSent()
    {
        var user = await Server.CreateUserAsync(Password);
        var unknownEmail = $"nobody-{Guid.NewGuid():N}@example.test";
        var client = Server.CreateApiClient();

        var known = await ForgotAsync(client, user.Email!);
        var unknown = await ForgotAsync(client, unknownEmail);

        Assert.Equal(HttpStatusCode.Accepted, known.Status);
        Assert.Equal(known.Status, unknown.Status);
        Assert.Equal(known.ContentType, unknown.ContentType);
        Assert.Equal(known.Body, unknown.Body);
        Assert.Equal(PasswordReset.RequestedMessage, known.Get("message"));
        await messages.WaitForAsync(user.Email!, MessageKinds.PasswordReset);
        await messages.AssertStaysAtAsync(unknownEmail, MessageKinds.PasswordReset, 0);
    }

    [Fact]
    public async Task Reset_ByPages_FromForgotPasswordToSignIn()
    {
        var user = await Server.CreateUserAsync(Password);
        var browser = Server.CreateBrowser();
        var forgot = await browser.NavigateAsync("/Account/ForgotPassword");
        var answer = await browser.SubmitAsync(forgot, "form", new Dictionary<string, string> { ["Input.Email"] = user.Email! });
        Assert.Equal(PasswordReset.RequestedMessage, answer.Document!.QuerySelector("#notice")?.TextContent);
        var link = MessageFolderServer.Link(await messages.WaitForAsync(user.Email!, MessageKinds.PasswordReset), AccountMessages.ResetPasswordPath);

        var form = await browser.NavigateAsync(link.PathAndQuery);
        var mismatch = await browser.SubmitAsync(form, "form", new Dictionary<string, string>
        {
            ["Input.Password"] = NewPassword,
            ["Input.ConfirmPassword"] = "Different!Passw0rd",
        });
        Assert.Null(mismatch.Document!.QuerySelector("#reset-done"));
        var done = await browser.SubmitAsync(mismatch, "form", new Dictionary<string, string>
        {
            ["Input.Password"] = NewPassword,
            ["Input.ConfirmPassword"] = NewPassword,
        });

        Assert.NotNull(done.Document!.QuerySelector("#reset-done"));
        await OAuth.SignInAsync(browser, user.Email!, NewPassword);
        var reused = await browser.SubmitAsync(await browser.NavigateAsync(link.PathAndQuery), "form", new Dictionary<string, string>
        {
            ["Input.Password"] = "Th1rd!Password",
            ["Input.ConfirmPassword"] = "Th1rd!Password",
        });
        Assert.Equal(HttpStatusCode.BadRequest, reused.Response.StatusCode);
        Assert.NotNull(reused.Document!.QuerySelector("#reset-error"));
    }

    [Fact]
    public async Task Reset_WeakPassword_FieldErrorAndTheLinkStillWorks()
    {
        var user = await Server.CreateUserAsync(Password);
        var client = Server.CreateApiClient();
        var link = await RequestLinkAsync(client, user.Email!);

        var weak = await ResetAsync(client, link.UserId, link.Code, "alllowercase1!");

        Assert.Equal(HttpStatusCode.BadRequest, weak.Status);
        Assert.Equal(["newPassword"], AuthApiClient.FieldsInError(weak));
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(client, link.UserId, link.Code, NewPassword)).Status);
    }

    [Theory]
    [InlineData("/auth/password/reset", "{}")]
    [InlineData("/auth/password/reset", "{\"userId\":\"nobody\",\"code\":\"AAAA\",\"newPassword\":\"An0ther!Password\"}")]
    [InlineData("/auth/password/reset", "{\"userId\":\"nobody\",\"code\":\"%%%\",\"newPassword\":\"An0ther!Password\"}")]
    [InlineData("/auth/password/reset", "{\"userId\":1,\"code\":[],\"newPassword\":null}")]
    [InlineData("/auth/password/reset", "not json")]
    [InlineData("/auth/password/forgot", "{}")]
    [InlineData("/auth/password/forgot", "{\"email\":\"not-an-email\"}")]
    [InlineData("/auth/email/resend", "{\"email\":42}")]
    [InlineData("/auth/email/resend", "[]")]
    public async Task AccountEmails_BadInput_ProblemDetailsNever500(string path, string body)
    {
        var response = await Server.CreateApiClient().PostAsync(path,
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}

public sealed class PasswordResetExpiryTests(ShortResetLinkServer messages) : IClassFixture<ShortResetLinkServer>
{
    [Fact]
    public async Task Reset_AfterTheLinkExpired_Refused()
    {
        var user = await messages.Server.CreateUserAsync("Str0ng!Password");
        var client = messages.Server.CreateApiClient();
        var requested = DateTimeOffset.UtcNow;
        await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/forgot", new { email = user.Email });
        var link = MessageFolderServer.Link(await messages.WaitForAsync(user.Email!, MessageKinds.PasswordReset), AccountMessages.ResetPasswordPath);

        var waitUntil = requested + ShortResetLinkServer.ResetLinkLifetime + TimeSpan.FromSeconds(1);
        if (waitUntil > DateTimeOffset.UtcNow)
        {
            await Task.Delay(waitUntil - DateTimeOffset.UtcNow);
        }

        var reset = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/reset",
            new { userId = link.UserId, code = link.Code, newPassword = "An0ther!Password" });

        Assert.Equal(HttpStatusCode.BadRequest, reset.Status);
        Assert.Equal(PasswordReset.InvalidLinkMessage, reset.Get("detail"));
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, "Str0ng!Password")).Status);
    }
}
