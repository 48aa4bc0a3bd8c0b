using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 9 (issue 17): the sign-in cookie was not forced Secure and could be planted from a sibling domain.
/// Outside Development the sign-in and antiforgery cookies are <c>__Host-</c> cookies: Secure, Path=/, no Domain,
/// SameSite=Lax, HttpOnly.
/// </summary>
public sealed class SignInCookieTests
{
    [Fact]
    public async Task SignIn_OutsideDevelopment_HostPrefixedSecureLaxCookies()
    {
        await using var production = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
        {
            ["Database:ApplyMigrationsAtStartup"] = "true",
            ["Accounts:RequireConfirmedEmail"] = "false",
        }, environment: "Production");

        var (login, signedIn) = await SignInAsync(production, new Uri("https://id.example.test/"));

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        foreach (var cookie in new[] { CookieNamed(login, "__Host-redisjwt.antiforgery"), CookieNamed(signedIn, "__Host-redisjwt.identity") })
        {
            var attributes = Attributes(cookie);
            Assert.Contains("secure", attributes);
            Assert.Contains("path=/", attributes);
            Assert.Contains("samesite=lax", attributes);
            Assert.Contains("httponly", attributes);
            Assert.DoesNotContain(attributes, attribute => attribute.StartsWith("domain=", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task SignIn_InDevelopment_PlainNamesForHttpLoopback()
    {
        await using var development = new IdentityServerFactory();

        var (_, signedIn) = await SignInAsync(development, new Uri(DefaultIssuer));

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.DoesNotContain("secure", Attributes(CookieNamed(signedIn, "redisjwt.identity")));
    }

    /// <returns>The login page's response and the sign-in's (a redirect, whose cookies the browser would keep).</returns>
    private static async Task<(HttpResponseMessage Login, HttpResponseMessage SignedIn)> SignInAsync(IdentityServerFactory server, Uri baseAddress)
    {
        var user = await server.CreateUserAsync();
        var client = server.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = baseAddress, AllowAutoRedirect = false });
        var login = await new Browser(client).NavigateAsync("/Account/Login");
        var signedIn = await client.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = login.Document!.QuerySelector("input[name='__RequestVerificationToken']")!.GetAttribute("value")!,
            ["Input.Email"] = user.Email!,
            ["Input.Password"] = "Str0ng!Password",
        }));
        return (login.Response, signedIn);
    }

    private static string CookieNamed(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith(name + "=", StringComparison.Ordinal));

    private static List<string> Attributes(string cookie) =>
        [.. cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(attribute => attribute.ToLowerInvariant())];
}
