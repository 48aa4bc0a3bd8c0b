using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// Through nginx, round robin without stickiness: every service instance takes part, a sign-in works although its
/// requests are spread over both IdentityServers, the services see the client's https URL and address as nginx
/// vouches for them (and nobody else's claims), and a revocation made through the balancer holds at both BoardApis.
/// Which instance served a request is read from the instance's own log (ASP.NET Core's "Request starting" line),
/// so nothing about the instances is exposed to clients to make this observable.
/// </summary>
public sealed class LoadBalancerTests(BalancedDeployment deployment) : IClassFixture<BalancedDeployment>
{
    private const string Scopes = "openid profile offline_access posts.read";

    [Fact]
    public async Task Requests_ThroughBalancer_ServedByBothInstancesOfEachService()
    {
        foreach (var (address, instances) in new[] { (deployment.Issuer, deployment.IdentityServers), (deployment.BoardApi, deployment.BoardApis) })
        {
            var probe = Guid.NewGuid().ToString("N");
            using var client = deployment.CreateClient(address);
            for (var request = 0; request < 4; request++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/health/live?probe={probe}")).StatusCode);
            }

            await AssertEachLoggedAsync(probe, instances);
        }
    }

    [Fact]
    public async Task CodeFlowWithPkce_ThroughBalancer_SignsInAcrossBothInstances()
    {
        var state = Guid.NewGuid().ToString("N");
        var (_, cookies, tokens) = await SignInWithCodeFlowAsync(state);

        Assert.Equal(deployment.Issuer.AbsoluteUri, new JsonWebToken(tokens.Get("id_token")).Issuer);
        Assert.True(cookies.GetCookies(deployment.Issuer)["redisjwt.identity"]?.Secure, "the session cookie is Secure: the request was https");
        using var board = deployment.CreateClient(deployment.BoardApi);
        board.DefaultRequestHeaders.Authorization = new("Bearer", tokens.Get("access_token"));
        Assert.Equal(HttpStatusCode.OK, (await board.GetAsync("/posts")).StatusCode);
        // The authorization request, the login page, the login form and the authorization request again (each carries
        // the state) were spread over both instances: cookies and antiforgery tokens made by one were taken by the other.
        await AssertEachLoggedAsync(state, deployment.IdentityServers);
    }

    [Fact]
    public async Task Discovery_ThroughBalancer_NamesNginxHttpsUrls()
    {
        using var client = deployment.CreateClient(deployment.Issuer);

        var discovery = await client.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        Assert.Equal(deployment.Issuer.AbsoluteUri, discovery.GetProperty("issuer").GetString());
        Assert.Equal($"{deployment.Issuer}connect/token", discovery.GetProperty("token_endpoint").GetString());
        Assert.Equal($"{deployment.Issuer}.well-known/jwks", discovery.GetProperty("jwks_uri").GetString());
    }

    [Fact]
    public async Task ClientAddress_ThroughBalancer_TheOneNginxSawNotTheClientsClaim()
    {
        var email = await RegisterAsync();
        using var client = deployment.CreateClient(deployment.Issuer, from: IPAddress.Parse("127.0.0.3"));
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.9");

        var (accessToken, _) = await AuthApiClient.SignInAsync(client, email, Deployment.Password);

        // The instance was connected to from 127.0.0.1 (nginx), which vouched for 127.0.0.3.
        var sessions = await AuthApiClient.SendAsync(client, HttpMethod.Get, "/auth/sessions", bearer: accessToken);
        Assert.Equal("127.0.0.3", Assert.Single(sessions.Json.EnumerateArray()).GetProperty("ipAddress").GetString());
    }

    [Fact]
    public async Task ForwardedHeaders_StraightToAnInstanceFromAnotherAddress_Ignored()
    {
        var email = await RegisterAsync();
        var instance = deployment.IdentityA;
        using var client = deployment.CreateClient(instance.BaseAddress, new CookieContainer());
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.9");
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        client.DefaultRequestHeaders.Add("X-Forwarded-Host", "evil.example");

        // Redirects name the instance as it was reached, not the host and scheme claimed.
        using var security = await client.GetAsync("/Account/Security");
        Assert.StartsWith($"{instance.BaseAddress}Account/Login?", security.Headers.Location?.AbsoluteUri);
        // Plain HTTP stays plain HTTP, which the token endpoint refuses (Server:AllowInsecureHttp is false).
        var token = await OAuth.PostAsync(client, "/connect/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
            (ThirdPartyClientId, ThirdPartySecret));
        Assert.True(token.Error == "invalid_request" && token.Body.Contains("HTTPS"), token.Body);
        // A sign-in records the address the connection came from.
        await OAuth.SignInAsync(new Browser(client), email, Deployment.Password);
        var sessions = await client.GetFromJsonAsync<JsonElement>("/account/sessions");
        Assert.Equal(BalancedDeployment.ClientAddress.ToString(), Assert.Single(sessions.EnumerateArray()).GetProperty("ipAddress").GetString());
    }

    [Fact]
    public async Task LogoutThroughBalancer_TokenRejectedByBothBoardApis()
    {
        var email = await RegisterAsync();
        using var client = deployment.CreateClient(deployment.Issuer);
        var (accessToken, refreshToken) = await AuthApiClient.SignInAsync(client, email, Deployment.Password);
        await AssertAcceptedByBothBoardApisAsync(accessToken);

        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.LogoutAsync(client, accessToken)).Status);

        await RevocationAcrossProcessesTests.WaitUntilRejectedAsync(accessToken, Stopwatch.StartNew(), deployment.BoardApis);
        Assert.Equal("invalid_grant", (await AuthApiClient.RefreshAsync(client, refreshToken)).Error);
    }

    [Fact]
    public async Task LogOutEverywhere_FromTheBrowserThroughBalancer_AcceptedAsSameOriginAndHeldByBothBoardApis()
    {
        var (browser, _, tokens) = await SignInWithCodeFlowAsync(Guid.NewGuid().ToString("N"));
        await AssertAcceptedByBothBoardApisAsync(tokens.Get("access_token"));

        // What a page of this origin sends: the instance compares it with the scheme and host nginx forwarded.
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/account/sessions");
        request.Headers.Add("Origin", deployment.Issuer.GetLeftPart(UriPartial.Authority));
        using var ended = await browser.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, ended.StatusCode);
        await RevocationAcrossProcessesTests.WaitUntilRejectedAsync(tokens.Get("access_token"), Stopwatch.StartNew(), deployment.BoardApis);
    }

    /// <summary>Authorization code flow with PKCE through nginx, starting signed out, so the login page is part of it.</summary>
    private async Task<(Browser Browser, CookieContainer Cookies, TokenResponse Tokens)> SignInWithCodeFlowAsync(string state)
    {
        var email = await RegisterAsync();
        var cookies = new CookieContainer();
        var browser = new Browser(deployment.CreateClient(deployment.Issuer, cookies));
        var pkce = Pkce.Create();

        // Signed out, the authorization request redirects to the login page at nginx's https URL.
        var login = await browser.NavigateAsync(OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, Scopes, pkce, state));
        Assert.StartsWith($"{deployment.Issuer}Account/Login?", login.Url.AbsoluteUri);
        var callback = await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = Deployment.Password,
        });
        Assert.Equal(state, callback.RedirectParameters["state"]);

        var tokens = await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, callback.RedirectParameters["code"], pkce.Verifier);
        Assert.True(tokens.Status == HttpStatusCode.OK, tokens.Body);
        return (browser, cookies, tokens);
    }

    private async Task<string> RegisterAsync()
    {
        var email = $"balanced-{Guid.NewGuid():N}@example.test";
        using var client = deployment.CreateClient(deployment.Issuer);
        var registered = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/register",
            new { email, password = Deployment.Password, displayName = "Balanced User", birthdate = "1990-01-01" });
        Assert.True(registered.Status == HttpStatusCode.Accepted, registered.Body);
        return email;
    }

    /// <summary>At each BoardApi instance straight, and through nginx.</summary>
    private async Task AssertAcceptedByBothBoardApisAsync(string accessToken)
    {
        foreach (var board in deployment.BoardApis)
        {
            Assert.Equal(HttpStatusCode.OK, (await board.CreateClient(accessToken).GetAsync("/posts")).StatusCode);
        }

        using var balanced = deployment.CreateClient(deployment.BoardApi);
        balanced.DefaultRequestHeaders.Authorization = new("Bearer", accessToken);
        Assert.Equal(HttpStatusCode.OK, (await balanced.GetAsync("/posts")).StatusCode);
    }

    /// <summary>Each instance logs its requests' URLs; waits (the console logger writes in the background) until every one logged <paramref name="marker"/>.</summary>
    private async Task AssertEachLoggedAsync(string marker, ServiceProcess[] instances)
    {
        var clock = Stopwatch.StartNew();
        foreach (var instance in instances)
        {
            while (!instance.Output.Contains(marker, StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(50);
            }

            Assert.True(instance.Output.Contains(marker, StringComparison.Ordinal),
                $"{instance.Name} served no request with {marker}. nginx:\n{deployment.Nginx.Output}");
        }
    }
}
