using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

public sealed class AccountTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private static Dictionary<string, string> Registration(string email) => new()
    {
        ["Input.Email"] = email,
        ["Input.DisplayName"] = "Ada Lovelace",
        ["Input.BirthDate"] = "1990-12-10",
        ["Input.Password"] = "Analytical#Engine1",
        ["Input.ConfirmPassword"] = "Analytical#Engine1",
    };

    [Fact]
    public async Task Register_ValidForm_CreatesUserThenSignInAndTokensCarryProfile()
    {
        var email = $"ada-{Guid.NewGuid():N}@example.test";
        var browser = server.CreateBrowser();
        var form = await browser.NavigateAsync("/Account/Register?returnUrl=%2FAccount%2FSecurity");

        var done = await browser.SubmitAsync(form, "form", Registration(email));

        // The same page whether or not the address had an account; it signs nobody in.
        Assert.Equal("/Account/ConfirmEmail", done.Url.AbsolutePath);
        Assert.NotNull(done.Document!.QuerySelector("#check-inbox"));
        var user = await server.WithScopeAsync(services =>
            services.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email));
        Assert.NotNull(user);
        Assert.Equal("Ada Lovelace", user.DisplayName);
        Assert.Equal(new DateOnly(1990, 12, 10), user.BirthDate);
        Assert.NotEqual("Analytical#Engine1", user.PasswordHash);

        // Its sign-in link goes on where registration was asked to.
        var login = await browser.NavigateAsync(done.Document.QuerySelector("#sign-in")!.GetAttribute("href")!);
        var signedIn = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "Analytical#Engine1",
        });
        Assert.Equal("/Account/Security", signedIn.Url.AbsolutePath);

        var spa = await SignedInSpa.StartAsync(server, "openid profile", email, "Analytical#Engine1");
        var idToken = await OAuth.ValidateJwtAsync(spa.Browser.Client, spa.IdToken, IdentityServerFactory.SpaClientId, "JWT");
        Assert.Equal("Ada Lovelace", idToken.GetClaim("name").Value);
        Assert.Equal("1990-12-10", idToken.GetClaim("birthdate").Value);
    }

    [Theory]
    [InlineData("Input.Email", "not-an-email")]
    [InlineData("Input.DisplayName", "")]
    [InlineData("Input.DisplayName", "bad\u0007name")]
    [InlineData("Input.BirthDate", "2999-01-01")]
    [InlineData("Input.Password", "short")]
    [InlineData("Input.ConfirmPassword", "Different#Pass1")]
    public async Task Register_InvalidField_FormRedisplayedWithErrorAndNoUser(string field, string value)
    {
        var email = $"invalid-{Guid.NewGuid():N}@example.test";
        var browser = server.CreateBrowser();
        var values = Registration(email);
        values[field] = value;

        var page = await browser.SubmitAsync(await browser.NavigateAsync("/Account/Register"), "form", values);

        Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
        var message = page.Document!.QuerySelector($"span[data-valmsg-for='{field}']")!.TextContent;
        Assert.False(string.IsNullOrWhiteSpace(message), $"no error shown for {field}");
        Assert.Null(await server.WithScopeAsync(services =>
            services.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email)));
    }

    [Fact]
    public async Task Login_WrongPasswordAndUnknownUser_SameGenericMessage()
    {
        var user = await server.CreateUserAsync();

        var wrongPassword = await OAuth.SubmitLoginAsync(server.CreateBrowser(), user.Email!, "Wrong!Password1");
        var unknownUser = await OAuth.SubmitLoginAsync(server.CreateBrowser(), $"nobody-{Guid.NewGuid():N}@example.test", "Wrong!Password1");

        Assert.Contains(LoginModel.FailureMessage, wrongPassword.Body);
        Assert.Contains(LoginModel.FailureMessage, unknownUser.Body);
    }

    [Fact]
    public async Task Login_FiveFailures_LocksOutEvenTheRightPassword()
    {
        var user = await server.CreateUserAsync("Right!Password1");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await OAuth.SubmitLoginAsync(server.CreateBrowser(), user.Email!, "Wrong!Password1");
        }

        var browser = server.CreateBrowser();
        var page = await OAuth.SubmitLoginAsync(browser, user.Email!, "Right!Password1");

        Assert.Contains(LoginModel.FailureMessage, page.Body);
        var authorize = await browser.NavigateAsync(OAuth.AuthorizeUrl(IdentityServerFactory.SpaClientId,
            IdentityServerFactory.SpaRedirectUri, "openid", Pkce.Create()));
        Assert.Equal("/Account/Login", authorize.Url.AbsolutePath);
        var lockoutEnd = await server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            return await users.GetLockoutEndDateAsync((await users.FindByIdAsync(user.Id))!);
        });
        Assert.True(lockoutEnd > DateTimeOffset.UtcNow.AddMinutes(10));
    }

    [Fact]
    public async Task Login_FourFailuresThenSuccess_ResetsCounter()
    {
        var user = await server.CreateUserAsync("Right!Password1");
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await OAuth.SubmitLoginAsync(server.CreateBrowser(), user.Email!, "Wrong!Password1");
        }

        await OAuth.SignInAsync(server.CreateBrowser(), user.Email!, "Right!Password1");

        // Had the success not reset the count, these four would make nine failures and lock the account.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await OAuth.SubmitLoginAsync(server.CreateBrowser(), user.Email!, "Wrong!Password1");
        }

        await OAuth.SignInAsync(server.CreateBrowser(), user.Email!, "Right!Password1");
    }

    [Fact]
    public async Task Login_PostWithoutAntiforgeryToken_BadRequest()
    {
        var response = await server.CreateClient().PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Email"] = IdentityServerFactory.DemoEmail,
            ["Input.Password"] = IdentityServerFactory.DemoPassword,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/phish")]
    [InlineData("//evil.example/phish")]
    public async Task Login_ExternalReturnUrl_RedirectsHomeInstead(string returnUrl)
    {
        var browser = server.CreateBrowser();
        var login = await browser.NavigateAsync("/Account/Login?ReturnUrl=" + Uri.EscapeDataString(returnUrl));

        var done = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = IdentityServerFactory.DemoEmail,
            ["Input.Password"] = IdentityServerFactory.DemoPassword,
        });

        Assert.Null(done.ExternalRedirect);
        Assert.Equal("/", done.Url.AbsolutePath);
    }
}
