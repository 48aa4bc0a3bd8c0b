using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.IdentityServer.Tests.ClientAssertions;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.DynamicRegistration.Registrations;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DynamicRegistration;

/// <summary>POST /connect/register (RFC 7591): only with a usable initial access token, only within its scope, only under every client rule.</summary>
public sealed class RegistrationTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Register_Confidential_ClientInformationOnce_AndItsSecretWorks()
    {
        var (token, _) = await InitialTokenAsync(server);

        var registered = await RegisterAsync(server, token, WebClient());

        Assert.Equal(HttpStatusCode.Created, registered.Status);
        Assert.Contains("no-store", registered.Headers!.CacheControl!.ToString());
        var clientId = registered.Get("client_id");
        Assert.StartsWith("dyn-", clientId);
        Assert.False(Guid.TryParse(clientId, out _));
        Assert.Equal(43, registered.Get("client_secret").Length);
        Assert.Equal(0, registered.Json.GetProperty("client_secret_expires_at").GetInt64());
        Assert.InRange(registered.Json.GetProperty("client_id_issued_at").GetInt64(),
            DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        Assert.Equal(43, registered.Get("registration_access_token").Length);
        Assert.Equal($"{server.Issuer}connect/register/{clientId}", registered.Get("registration_client_uri"));
        Assert.Equal("client_secret_basic", registered.Get("token_endpoint_auth_method"));
        Assert.Equal(["code"], registered.Json.GetProperty("response_types").EnumerateArray().Select(value => value.GetString()));
        Assert.Equal([RedirectUri], registered.Json.GetProperty("redirect_uris").EnumerateArray().Select(value => value.GetString()));
        Assert.Equal("openid offline_access posts.read", registered.Get("scope"));
        Assert.Equal("Partner app", registered.Get("client_name"));

        var machine = await ClientCredentialsAsync(server, clientId, registered.Get("client_secret"), "posts.read");
        Assert.Equal(HttpStatusCode.OK, machine.Status);
        Assert.Equal(clientId, new JsonWebToken(machine.Get("access_token")).Subject);
    }

    [Fact]
    public async Task Register_PublicClient_CodeFlowNeedsPkceAndAsksTheUser()
    {
        var registered = await RegisteredAsync(server, new
        {
            redirect_uris = new[] { RedirectUri }, token_endpoint_auth_method = "none", grant_types = new[] { "authorization_code" },
            scope = "openid posts.read",
        });
        var clientId = registered.Get("client_id");
        Assert.False(registered.Json.TryGetProperty("client_secret", out _));
        Assert.Equal("none", registered.Get("token_endpoint_auth_method"));

        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var withoutPkce = await browser.NavigateAsync(OAuth.AuthorizeUrl(clientId, RedirectUri, "openid", pkce: null));
        Assert.Null(withoutPkce.ExternalRedirect);
        Assert.Contains("code_challenge", withoutPkce.Body);

        var pkce = Pkce.Create();
        var consent = await browser.NavigateAsync(OAuth.AuthorizeUrl(clientId, RedirectUri, "openid posts.read", pkce));
        Assert.NotNull(consent.Document?.QuerySelector("form[action='/connect/authorize']")); // explicit consent, always
        // Its name is self-asserted (RFC 7591 5), and the page says so.
        Assert.NotNull(consent.Document?.QuerySelector("#consent-unverified"));
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(clientId, RedirectUri, "openid posts.read", pkce));
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, clientId, RedirectUri, code, pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
    }

    [Fact]
    public async Task Register_WithoutToken_401BearerChallenge_OpenRegistrationIsOff()
    {
        var refused = await RegisterAsync(server, null, WebClient());

        AssertRefused(refused, HttpStatusCode.Unauthorized, "invalid_token");
        Assert.Equal("Bearer", refused.Headers!.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("")]
    public async Task Register_UnknownToken_401InvalidToken(string token)
    {
        var refused = await RegisterAsync(server, token, WebClient());

        AssertBearerChallenge(refused);
        Assert.Contains("error=\"invalid_token\"", refused.Headers!.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Register_ExpiredToken_401()
    {
        var (token, id) = await InitialTokenAsync(server);
        await ChangeInitialTokenAsync(server, id, DateTimeOffset.UtcNow.AddSeconds(-1));

        AssertBearerChallenge(await RegisterAsync(server, token, WebClient()));
    }

    [Fact]
    public async Task Register_RevokedToken_401()
    {
        var (token, id) = await InitialTokenAsync(server);
        using var client = server.CreateApiClient();
        var revoked = await AuthApiClient.SendAsync(client, HttpMethod.Delete, $"/admin/initial-access-tokens/{id}", bearer: await AdminTokenAsync(server));
        Assert.Equal(HttpStatusCode.NoContent, revoked.Status);

        AssertBearerChallenge(await RegisterAsync(server, token, WebClient()));
    }

    [Fact]
    public async Task Register_SingleUseTokenTwice_SecondRefused()
    {
        var (token, _) = await InitialTokenAsync(server);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(server, token, WebClient())).Status);

        AssertBearerChallenge(await RegisterAsync(server, token, WebClient()));
    }

    [Fact]
    public async Task Register_SingleUseTokenRacedByEight_ExactlyOneWins()
    {
        var (token, _) = await InitialTokenAsync(server);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => RegisterAsync(server, token, WebClient()))));

        Assert.Single(answers, answer => answer.Status == HttpStatusCode.Created);
        Assert.All(answers.Where(answer => answer.Status != HttpStatusCode.Created), AssertBearerChallenge);
    }

    [Fact]
    public async Task Register_MultiUseToken_UsesCounted()
    {
        var (token, _) = await InitialTokenAsync(server, new
        {
            grant_types = new[] { "client_credentials" }, scope = "posts.read", expires_in = 600, max_uses = 2,
        });
        var machine = new { grant_types = new[] { "client_credentials" }, scope = "posts.read" };

        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(server, token, machine)).Status);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(server, token, machine)).Status);
        AssertBearerChallenge(await RegisterAsync(server, token, machine));
    }

    [Fact]
    public async Task Register_RefusedMetadata_SpendsNoUse()
    {
        var (token, _) = await InitialTokenAsync(server);
        AssertRefused(await RegisterAsync(server, token, WebClient("openid posts.write")), HttpStatusCode.BadRequest, "invalid_client_metadata");

        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(server, token, WebClient())).Status);
    }

    [Fact]
    public async Task Register_ScopeBeyondTheToken_InvalidClientMetadataNamingScope()
    {
        var (token, _) = await InitialTokenAsync(server);

        AssertRefused(await RegisterAsync(server, token, WebClient("openid posts.read posts.write")), HttpStatusCode.BadRequest,
            "invalid_client_metadata", "scope");
    }

    [Fact]
    public async Task Register_GrantBeyondTheToken_InvalidClientMetadataNamingGrantTypes()
    {
        var (token, _) = await InitialTokenAsync(server, new
        {
            grant_types = new[] { "authorization_code" }, scope = "openid", redirect_uri_prefixes = new[] { Prefix }, expires_in = 600,
        });

        AssertRefused(await RegisterAsync(server, token, new
        {
            redirect_uris = new[] { RedirectUri }, grant_types = new[] { "authorization_code", "client_credentials" },
        }), HttpStatusCode.BadRequest, "invalid_client_metadata", "grant_types");
    }

    [Theory]
    [InlineData("https://evil.example/app/callback")]
    [InlineData("https://partner.example.evil.example/app/callback")]
    [InlineData("https://partner.example/application/callback")]
    [InlineData("https://partner.example/other/callback")]
    [InlineData("https://partner.example:8443/app/callback")]
    [InlineData("http://partner.example/app/callback")]
    [InlineData("https://partner.example/app/%2e%2e/admin")]
    [InlineData("https://partner.example/app/%2E%2E/admin")]
    [InlineData("https://attacker@partner.example/app/callback")]
    public async Task Register_RedirectUriOutsideTheTokensPrefixes_InvalidRedirectUri(string redirectUri)
    {
        var (token, _) = await InitialTokenAsync(server);

        AssertRefused(await RegisterAsync(server, token, new { redirect_uris = new[] { redirectUri } }), HttpStatusCode.BadRequest,
            "invalid_redirect_uri", "redirect_uris");
    }

    [Fact]
    public async Task Register_LogoutUrisOutsideTheTokensPrefixes_Refused()
    {
        var (token, _) = await InitialTokenAsync(server);

        AssertRefused(await RegisterAsync(server, token, new
        {
            redirect_uris = new[] { RedirectUri }, post_logout_redirect_uris = new[] { "https://evil.example/bye" },
        }), HttpStatusCode.BadRequest, "invalid_redirect_uri", "post_logout_redirect_uris");
        AssertRefused(await RegisterAsync(server, token, new
        {
            redirect_uris = new[] { RedirectUri }, backchannel_logout_uri = "https://evil.example/logout",
        }), HttpStatusCode.BadRequest, "invalid_client_metadata", "backchannel_logout_uri");
    }

    [Fact]
    public async Task Register_OperatorOnlyFields_NeverReachTheClient_DeviceAndExchangeGrantsRefused()
    {
        var (token, _) = await InitialTokenAsync(server, new
        {
            grant_types = new[] { "client_credentials" }, scope = "posts.read", expires_in = 600, max_uses = 3,
        });

        var registered = await RegisterAsync(server, token, new
        {
            grant_types = new[] { "client_credentials" }, scope = "posts.read", consent_type = "implicit", introspection = true,
            resource = BoardApiResource, token_exchange_audiences = new[] { BoardApiResource },
        });
        var device = await RegisterAsync(server, token, new { grant_types = new[] { "urn:ietf:params:oauth:grant-type:device_code" } });
        var exchange = await RegisterAsync(server, token, new { grant_types = new[] { "urn:ietf:params:oauth:grant-type:token-exchange" } });

        Assert.True(registered.Status == HttpStatusCode.Created, registered.Body);
        using var client = server.CreateApiClient();
        var view = (await AuthApiClient.SendAsync(client, HttpMethod.Get, $"/admin/clients/{registered.Get("client_id")}",
            bearer: await AdminTokenAsync(server))).Json;
        Assert.Equal("explicit", view.GetProperty("consent_type").GetString());
        Assert.False(view.GetProperty("introspection").GetBoolean());
        Assert.Empty(view.GetProperty("token_exchange_audiences").EnumerateArray());
        AssertRefused(device, HttpStatusCode.BadRequest, "invalid_client_metadata", "grant_types");
        AssertRefused(exchange, HttpStatusCode.BadRequest, "invalid_client_metadata", "grant_types");
    }

    [Fact]
    public async Task Register_ChosenOrGuidShapedClientId_IgnoredServerPicksItsOwn()
    {
        var (token, _) = await InitialTokenAsync(server, new
        {
            grant_types = new[] { "client_credentials" }, scope = "posts.read", expires_in = 600, max_uses = 2,
        });
        var guid = Guid.NewGuid().ToString();

        var registered = await RegisterAsync(server, token, new { client_id = guid, grant_types = new[] { "client_credentials" } });
        var squatting = await RegisterAsync(server, token, new { client_id = ThirdPartyClientId, grant_types = new[] { "client_credentials" } });

        Assert.Equal(HttpStatusCode.Created, registered.Status);
        Assert.NotEqual(guid, registered.Get("client_id"));
        Assert.False(Guid.TryParse(registered.Get("client_id"), out _));
        Assert.Equal(HttpStatusCode.Created, squatting.Status);
        Assert.NotEqual(ThirdPartyClientId, squatting.Get("client_id"));
    }

    [Theory]
    [InlineData("client_secret_jwt")]
    [InlineData("tls_client_auth")]
    public async Task Register_UnsupportedAuthMethod_InvalidClientMetadata(string method)
    {
        var (token, _) = await InitialTokenAsync(server);

        AssertRefused(await RegisterAsync(server, token, new { redirect_uris = new[] { RedirectUri }, token_endpoint_auth_method = method }),
            HttpStatusCode.BadRequest, "invalid_client_metadata", "token_endpoint_auth_method");
    }

    [Fact]
    public async Task Register_PrivateKeyJwt_NoSecret_ItsAssertionsWork_AndKeysRequired()
    {
        var forge = new ClientAssertionForge(DefaultIssuer);
        var (token, _) = await InitialTokenAsync(server, new
        {
            grant_types = new[] { "client_credentials" }, scope = "posts.read", expires_in = 600, max_uses = 2,
        });

        AssertRefused(await RegisterAsync(server, token, new { token_endpoint_auth_method = "private_key_jwt", grant_types = new[] { "client_credentials" } }),
            HttpStatusCode.BadRequest, "invalid_client_metadata", "jwks");
        var registered = await RegisterAsync(server, token, new
        {
            token_endpoint_auth_method = "private_key_jwt", jwks = JsonDocument.Parse(forge.PublicJwks()).RootElement,
            grant_types = new[] { "client_credentials" }, scope = "posts.read",
        });

        Assert.True(registered.Status == HttpStatusCode.Created, registered.Body);
        Assert.Equal("private_key_jwt", registered.Get("token_endpoint_auth_method"));
        Assert.False(registered.Json.TryGetProperty("client_secret", out _));
        Assert.False(registered.Json.TryGetProperty("client_secret_expires_at", out _));
        Assert.Equal(forge.Kid, registered.Json.GetProperty("jwks").GetProperty("keys")[0].GetProperty("kid").GetString());
        var clientId = registered.Get("client_id");
        var machine = await OAuth.PostAsync(server.CreateClient(), "/connect/token", ClientAssertionForge.Form(clientId, forge.Create(clientId),
            new() { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" }));
        Assert.True(machine.Status == HttpStatusCode.OK, machine.Body);
    }

    [Fact]
    public async Task Register_ClientRulesApply_ImplicitFlowFragmentAndBadBodiesRefused()
    {
        var (token, _) = await InitialTokenAsync(server, new
        {
            grant_types = new[] { "authorization_code" }, scope = "openid", redirect_uri_prefixes = new[] { Prefix }, expires_in = 600, max_uses = 10,
        });

        AssertRefused(await RegisterAsync(server, token, new { redirect_uris = new[] { RedirectUri }, response_types = new[] { "token" } }),
            HttpStatusCode.BadRequest, "invalid_client_metadata", "response_types");
        AssertRefused(await RegisterAsync(server, token, new { redirect_uris = new[] { RedirectUri + "#x" } }),
            HttpStatusCode.BadRequest, "invalid_redirect_uri", "redirect_uris");
        AssertRefused(await RegisterAsync(server, token, new { grant_types = new[] { "authorization_code" } }),
            HttpStatusCode.BadRequest, "invalid_redirect_uri", "redirect_uris");
        AssertRefused(await RegisterAsync(server, token, new { redirect_uris = new[] { RedirectUri }, client_name = new string('x', 201) }),
            HttpStatusCode.BadRequest, "invalid_client_metadata", "client_name");
        AssertRefused(await RegisterAsync(server, token, new { redirect_uris = RedirectUri }), HttpStatusCode.BadRequest, "invalid_client_metadata");
        using var client = server.CreateApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/register") { Content = new StringContent("{\"redirect_uris\":") };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Discovery_AdvertisesTheRegistrationEndpoint()
    {
        var discovery = await server.CreateClient().GetFromJsonAsync<Dictionary<string, object>>("/.well-known/openid-configuration");

        Assert.Equal($"{server.Issuer}connect/register", discovery!["registration_endpoint"].ToString());
    }
}
