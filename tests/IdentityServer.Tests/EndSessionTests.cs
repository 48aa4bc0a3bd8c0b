using System.Net;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

public sealed class EndSessionTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private static string LogoutUrl(string postLogoutRedirectUri, string? idTokenHint = null) =>
        OAuth.EndSessionUrl(SpaClientId, postLogoutRedirectUri, idTokenHint);

    [Fact]
    public async Task Logout_Confirmed_SignsOutAndRedirectsToRegisteredUri()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var confirmation = await spa.Browser.NavigateAsync(LogoutUrl(SpaPostLogoutRedirectUri));
        Assert.Null(confirmation.ExternalRedirect);
        var done = await spa.Browser.SubmitAsync(confirmation, "form[action='/connect/logout']",
            submitter: ("logout_confirm", "yes"));

        Assert.Equal(SpaPostLogoutRedirectUri, done.ExternalRedirect!.GetLeftPart(UriPartial.Path));
        Assert.Equal("bye", done.RedirectParameters["state"]);
        await AssertSignedOutAsync(spa.Browser);
    }

    [Fact]
    public async Task Logout_WithIdTokenHintOfSignedInUser_NoConfirmationNeeded()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var done = await spa.Browser.NavigateAsync(LogoutUrl(SpaPostLogoutRedirectUri, spa.IdToken));

        Assert.Equal(SpaPostLogoutRedirectUri, done.ExternalRedirect!.GetLeftPart(UriPartial.Path));
        await AssertSignedOutAsync(spa.Browser);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("http://127.0.0.1:5173")]
    [InlineData("http://127.0.0.1:5173/?x=1")]
    public async Task Logout_UnregisteredPostLogoutRedirectUri_ErrorAndStillSignedIn(string uri)
    {
        var spa = await SignedInSpa.StartAsync(server);

        var page = await spa.Browser.NavigateAsync(LogoutUrl(uri, spa.IdToken));

        Assert.Null(page.ExternalRedirect);
        Assert.Equal(HttpStatusCode.BadRequest, page.Response.StatusCode);
        Assert.Contains("invalid_request", page.Body);
        var authorize = await spa.Browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()));
        Assert.True(authorize.RedirectParameters.ContainsKey("code"));
    }

    [Fact]
    public async Task LogoutConfirmation_WithoutAntiforgeryToken_Rejected()
    {
        var spa = await SignedInSpa.StartAsync(server);
        var confirmation = await spa.Browser.NavigateAsync(LogoutUrl(SpaPostLogoutRedirectUri));

        var forged = await spa.Browser.SubmitAsync(confirmation, "form[action='/connect/logout']",
            new Dictionary<string, string> { ["__RequestVerificationToken"] = "forged" }, ("logout_confirm", "yes"));

        Assert.Equal(HttpStatusCode.BadRequest, forged.Response.StatusCode);
    }

    private static async Task AssertSignedOutAsync(Browser browser)
    {
        var authorize = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()));
        Assert.Null(authorize.ExternalRedirect);
        Assert.Equal("/Account/Login", authorize.Url.AbsolutePath);
    }
}
