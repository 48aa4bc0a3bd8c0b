using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 5 (issue 17): RP-initiated logout skipped the confirmation for any ID token of the same user, so an
/// old or leaked one logged the user out of a session it was never issued in. Now only a hint of this very session
/// (its sid) skips it.
/// </summary>
public sealed class LogoutHintOfOtherSessionTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Logout_WithIdTokenOfAnotherSessionOfTheSameUser_AsksForConfirmationAndKeepsSession()
    {
        var user = await server.CreateUserAsync();
        var elsewhere = await SignedInSpa.StartAsync(server, email: user.Email!, password: "Str0ng!Password");
        var here = await SignedInSpa.StartAsync(server, email: user.Email!, password: "Str0ng!Password");

        var page = await here.Browser.NavigateAsync(
            OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri, elsewhere.IdToken));

        Assert.Null(page.ExternalRedirect);
        Assert.NotNull(page.Document!.QuerySelector("#confirm-sign-out"));
        var authorize = await here.Browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()));
        Assert.True(authorize.RedirectParameters.ContainsKey("code"), "the session must survive an unconfirmed logout");
    }

    [Fact]
    public async Task Logout_WithIdTokenOfThisSession_NoConfirmation()
    {
        var user = await server.CreateUserAsync();
        var here = await SignedInSpa.StartAsync(server, email: user.Email!, password: "Str0ng!Password");

        var done = await here.Browser.NavigateAsync(OAuth.EndSessionUrl(SpaClientId, SpaPostLogoutRedirectUri, here.IdToken));

        Assert.Equal(SpaPostLogoutRedirectUri, done.ExternalRedirect!.GetLeftPart(UriPartial.Path));
    }
}
