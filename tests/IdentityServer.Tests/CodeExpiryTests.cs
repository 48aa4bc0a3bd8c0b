using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

public sealed class CodeExpiryTests
{
    [Fact]
    public async Task Token_ExpiredCode_InvalidGrant()
    {
        await using var server = Create(NewDatabaseName(), $"test:{Guid.NewGuid():N}:",
            new Dictionary<string, string?> { ["Server:AuthorizationCodeLifetime"] = "00:00:01" });
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", pkce));

        // Waiting is the point here: the code must be past its configured one-second lifetime.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var response = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, pkce.Verifier);

        Assert.Equal("invalid_grant", response.Error);
    }
}
