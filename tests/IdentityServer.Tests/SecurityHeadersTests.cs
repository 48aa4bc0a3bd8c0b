using System.Net;
using System.Security.Cryptography;
using System.Text;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Mvc.Testing;
using RedisJwt.Testing;
using static RedisJwt.Testing.Cors;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Every HTML page the user signs in on is protected against injected script, framing and leaking URLs.</summary>
public sealed class SecurityHeadersTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private const string PagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

    [Theory]
    [InlineData("/", HttpStatusCode.OK)]
    [InlineData("/Account/Login", HttpStatusCode.OK)]
    [InlineData("/Account/Register", HttpStatusCode.OK)]
    [InlineData("/connect/logout", HttpStatusCode.OK)]
    [InlineData("/no-such-page", HttpStatusCode.NotFound)]
    // OpenIddict rejects the request and the status code pages render its error.
    [InlineData("/connect/authorize?client_id=unknown&response_type=code&scope=openid&redirect_uri=https%3A%2F%2Fx.example%2F", HttpStatusCode.BadRequest)]
    public async Task Page_Anonymous_CarriesSecurityHeadersAndNoInlineCode(string url, HttpStatusCode status)
    {
        var page = await server.CreateBrowser().NavigateAsync(url);

        Assert.Equal(status, page.Response.StatusCode);
        AssertPageHeaders(page, PagePolicy);
        AssertNoInlineCode(page);
    }

    [Fact]
    public async Task Page_SignedInConsentAndSessions_CarrySecurityHeadersAndNoInlineCode()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);

        // The third-party client asks for consent (explicit consent type).
        var consent = await browser.NavigateAsync(
            OAuth.AuthorizeUrl(ThirdPartyClientId, ThirdPartyRedirectUri, "openid posts.read", Pkce.Create()));
        Assert.NotNull(consent.Document?.QuerySelector("form[action='/connect/authorize']"));
        var sessions = await browser.NavigateAsync("/Account/Security");
        Assert.Equal(HttpStatusCode.OK, sessions.Response.StatusCode);

        foreach (var page in new[] { consent, sessions })
        {
            AssertPageHeaders(page, PagePolicy);
            AssertNoInlineCode(page);
        }
    }

    [Fact]
    public async Task FormPostResponse_OwnInlineScript_AllowedByItsHashAlone()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);

        var page = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create(),
            extra: [("response_mode", "form_post")]));

        // OpenIddict's page posts the code to the client's redirect URI with one inline script.
        Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
        Assert.Equal(SpaRedirectUri, page.Document!.Forms.Single().Action);
        var script = Assert.Single(page.Document.Scripts);
        Assert.True(string.IsNullOrEmpty(script.Source));
        // The hash of the script OpenIddict really wrote, as a browser computes it (CSP Level 3, 8.3): if an upgrade
        // changes the script, this fails here instead of browsers silently refusing to run it.
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script.Text)));
        AssertPageHeaders(page, PagePolicy.Replace("script-src 'self'", $"script-src 'self' 'sha256-{hash}'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JsonResponse_Any_NosniffButNoPagePolicy()
    {
        using var response = await server.CreateApiClient().GetAsync("/.well-known/openid-configuration");

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Null(Header(response, "Content-Security-Policy"));
    }

    [Fact]
    public async Task Hsts_Development_NotSent()
    {
        using var response = await HttpsClient(server).GetAsync("/Account/Login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Strict-Transport-Security"));
    }

    [Fact]
    public async Task Hsts_ProductionOverHttps_SentForHalfAYear()
    {
        await using var production = Create(NewDatabaseName(), NewRedisPrefix(),
            new Dictionary<string, string?> { ["Database:ApplyMigrationsAtStartup"] = "true" }, environment: "Production");

        using var https = await HttpsClient(production).GetAsync("/Account/Login");
        Assert.Equal(HttpStatusCode.OK, https.StatusCode);
        Assert.Equal("max-age=15552000", Header(https, "Strict-Transport-Security"));

        // Never over plain HTTP, where a network attacker could forge it (RFC 6797 7.2).
        using var http = await production.CreateClient(new WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("http://id.example.test/"),
        }).GetAsync("/Account/Login");
        Assert.Null(Header(http, "Strict-Transport-Security"));
    }

    // Not localhost, which the HSTS middleware leaves out.
    private static HttpClient HttpsClient(IdentityServerFactory factory) => factory.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri("https://id.example.test/"),
        AllowAutoRedirect = false,
    });

    private static void AssertPageHeaders(Navigation page, string policy)
    {
        Assert.Equal("text/html", page.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(policy, Header(page.Response, "Content-Security-Policy"));
        Assert.Equal("DENY", Header(page.Response, "X-Frame-Options"));
        Assert.Equal("nosniff", Header(page.Response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(page.Response, "Referrer-Policy"));
    }

    /// <summary>What script-src 'self' and style-src 'self' would block: the pages must not need it.</summary>
    private static void AssertNoInlineCode(Navigation page)
    {
        var document = Assert.IsAssignableFrom<IHtmlDocument>(page.Document);
        Assert.All(document.Scripts, script => Assert.False(string.IsNullOrEmpty(script.Source), $"inline script on {page.Url}"));
        Assert.Empty(document.QuerySelectorAll("style"));
        Assert.Empty(document.All.Where(element => element.HasAttribute("style")
            || element.Attributes.Any(attribute => attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
            || element.GetAttribute("href")?.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase) == true)
            .Select(element => element.OuterHtml));
        Assert.NotEmpty(document.QuerySelectorAll("link[rel='stylesheet'][href^='/']"));
    }
}
