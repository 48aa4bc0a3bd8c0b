using System.Net;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 11 (issue 17): registration answered 409 for an address that had an account, telling anyone which
/// emails are registered. Now the answer is the same for a new and an existing address (202, or the "check your inbox"
/// page), and the existing account's owner is emailed instead; field errors stay, and do not depend on either.
/// </summary>
public sealed class RegistrationEnumerationTests(MessageFolderServer messages) : IClassFixture<MessageFolderServer>
{
    private const string Password = "Str0ng!Password";

    private IdentityServerFactory Server => messages.Server;

    [Fact]
    public async Task RegisterApi_ExistingAddressInAnyCase_SameAnswerAsANewOne_OwnerEmailed_NothingChanged()
    {
        var owner = await Server.CreateUserAsync(Password);

        var existing = await RegisterAsync(owner.Email!.ToUpperInvariant(), "Another!Passw0rd");
        var fresh = await RegisterAsync(NewEmail(), "Another!Passw0rd");

        Assert.Equal((fresh.Status, fresh.Body), (existing.Status, existing.Body));
        Assert.Equal(HttpStatusCode.Accepted, existing.Status);
        var notice = await messages.WaitForAsync(owner.Email, MessageKinds.RegistrationAttempt);
        Assert.Contains("/Account/ForgotPassword", notice.Text);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(Server.CreateApiClient(), owner.Email, Password)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(Server.CreateApiClient(), owner.Email, "Another!Passw0rd")).Status);
        Assert.Empty(messages.Inbox(owner.Email, MessageKinds.EmailVerification));
    }

    [Fact]
    public async Task RegisterPage_ExistingAddress_TheSameCheckYourInboxPage()
    {
        var owner = await Server.CreateUserAsync(Password);

        var existing = await SubmitAsync(owner.Email!);
        var fresh = await SubmitAsync(NewEmail());

        foreach (var page in new[] { existing, fresh })
        {
            Assert.Equal(("/Account/ConfirmEmail", HttpStatusCode.OK), (page.Url.AbsolutePath, page.Response.StatusCode));
            Assert.NotNull(page.Document!.QuerySelector("#check-inbox"));
            Assert.Empty(page.Document.QuerySelectorAll(".field-validation-error"));
        }
    }

    [Fact]
    public async Task Register_WeakPassword_SameFieldErrorForAnExistingAndANewAddress()
    {
        var owner = await Server.CreateUserAsync(Password);

        var existing = await RegisterAsync(owner.Email!, "alllowercase");
        var fresh = await RegisterAsync(NewEmail(), "alllowercase");

        Assert.Equal(HttpStatusCode.BadRequest, existing.Status);
        Assert.Equal(["password"], AuthApiClient.FieldsInError(existing));
        Assert.Equal(existing.Json.GetProperty("errors").ToString(), fresh.Json.GetProperty("errors").ToString());
    }

    private static string NewEmail() => $"fresh-{Guid.NewGuid():N}@example.test";

    private Task<TokenResponse> RegisterAsync(string email, string password) =>
        AuthApiClient.SendAsync(Server.CreateApiClient(), HttpMethod.Post, "/auth/register",
            new { email, password, displayName = "Someone", birthdate = "1990-01-01" });

    private async Task<Navigation> SubmitAsync(string email)
    {
        var browser = Server.CreateBrowser();
        return await browser.SubmitAsync(await browser.NavigateAsync("/Account/Register"), "form", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.DisplayName"] = "Someone",
            ["Input.BirthDate"] = "1990-01-01",
            ["Input.Password"] = "Another!Passw0rd",
            ["Input.ConfirmPassword"] = "Another!Passw0rd",
        });
    }
}
