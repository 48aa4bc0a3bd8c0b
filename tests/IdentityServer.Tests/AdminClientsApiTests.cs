using System.Net;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using StackExchange.Redis;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>/admin/clients: registered clients work at once, under the seed's rules, and end completely when removed.</summary>
public sealed class AdminClientsApiTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Create_Confidential_SecretShownOnceAndItsClientCredentialsWork()
    {
        var admin = await MachineAdminTokenAsync();
        var clientId = NewClientId();

        var created = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = clientId, client_name = "Acme", client_type = "confidential", consent_type = "explicit",
            grant_types = new[] { "client_credentials" }, scope = "posts.read",
        });

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal($"/admin/clients/{clientId}", created.Headers!.Location!.OriginalString);
        Assert.Contains("no-store", created.Headers.CacheControl!.ToString());
        var secret = created.Get("client_secret");
        Assert.Equal(43, secret.Length); // 32 random bytes, base64url
        Assert.Equal("Acme", created.Get("client_name"));
        Assert.Equal("posts.read", created.Get("scope"));

        var token = await ClientCredentialsAsync(clientId, secret, "posts.read");
        Assert.Equal(HttpStatusCode.OK, token.Status);
        Assert.Equal(clientId, new JsonWebToken(token.Get("access_token")).Subject);

        var shown = await SendAsync(HttpMethod.Get, $"/admin/clients/{clientId}", admin);
        Assert.Equal(HttpStatusCode.OK, shown.Status);
        Assert.False(shown.Json.TryGetProperty("client_secret", out _));
        Assert.DoesNotContain(secret, (await SendAsync(HttpMethod.Get, "/admin/clients", admin)).Body);
    }

    [Fact]
    public async Task Create_CodeClient_ItsRedirectUriMatchedExactlyAndNoOther()
    {
        var admin = await MachineAdminTokenAsync();
        var clientId = NewClientId();
        const string redirectUri = "https://acme.example/signin-oidc";
        var created = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = clientId, client_type = "public", consent_type = "implicit",
            grant_types = new[] { "authorization_code" }, redirect_uris = new[] { redirectUri }, scope = "openid posts.read",
        });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.False(created.Json.TryGetProperty("client_secret", out _));

        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        foreach (var other in new[] { redirectUri + "/", redirectUri + "?x=1", "https://ACME.example/signin-oidc", "https://evil.example/signin-oidc" })
        {
            var refused = await browser.NavigateAsync(OAuth.AuthorizeUrl(clientId, other, "openid", Pkce.Create()));
            Assert.Null(refused.ExternalRedirect);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Response.StatusCode);
        }

        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(clientId, redirectUri, "openid posts.read", pkce));
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, clientId, redirectUri, code, pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.Equal(clientId, new JsonWebToken(tokens.Get("access_token")).GetClaim("client_id").Value);
    }

    [Fact]
    public async Task Update_ScopeRemoved_ThenRefusedAtTheTokenEndpoint()
    {
        var admin = await MachineAdminTokenAsync();
        var (clientId, secret) = await CreateMachineClientAsync(admin, "posts.read posts.write");
        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(clientId, secret, "posts.write")).Status);

        var updated = await SendAsync(HttpMethod.Put, $"/admin/clients/{clientId}", admin, new
        {
            client_name = "Renamed", consent_type = "explicit", grant_types = new[] { "client_credentials" }, scope = "posts.read",
        });

        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal("Renamed", updated.Get("client_name"));
        Assert.Equal("posts.read", (await SendAsync(HttpMethod.Get, $"/admin/clients/{clientId}", admin)).Get("scope"));
        var refused = await ClientCredentialsAsync(clientId, secret, "posts.write");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("invalid_request", refused.Error);
        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(clientId, secret, "posts.read")).Status); // secret kept
    }

    [Fact]
    public async Task RequireMfa_AcceptedReturnedAndReplacedByPut()
    {
        var admin = await MachineAdminTokenAsync();
        var clientId = NewClientId();
        var registration = new
        {
            client_id = clientId, client_type = "public", consent_type = "implicit", grant_types = new[] { "authorization_code" },
            redirect_uris = new[] { "https://acme.example/signin-oidc" }, scope = "openid", require_mfa = true,
        };

        var created = await SendAsync(HttpMethod.Post, "/admin/clients", admin, registration);

        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        Assert.True(created.Json.GetProperty("require_mfa").GetBoolean());
        Assert.True((await SendAsync(HttpMethod.Get, $"/admin/clients/{clientId}", admin)).Json.GetProperty("require_mfa").GetBoolean());
        Assert.True(await RequiresMfaAsync(clientId));

        // PUT replaces every editable field: left out, it is off again.
        var updated = await SendAsync(HttpMethod.Put, $"/admin/clients/{clientId}", admin, registration with { require_mfa = false });
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.False(updated.Json.GetProperty("require_mfa").GetBoolean());
        Assert.False(await RequiresMfaAsync(clientId));
    }

    [Fact]
    public async Task RequirePushedAuthorizationRequests_AcceptedReturned_AndOnlyForTheCodeFlow()
    {
        var admin = await MachineAdminTokenAsync();
        var clientId = NewClientId();

        var created = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = clientId, client_type = "public", consent_type = "implicit", grant_types = new[] { "authorization_code" },
            redirect_uris = new[] { "https://acme.example/signin-oidc" }, scope = "openid", require_pushed_authorization_requests = true,
        });
        var machine = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = NewClientId(), client_type = "confidential", grant_types = new[] { "client_credentials" },
            scope = "posts.read", require_pushed_authorization_requests = true,
        });

        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        Assert.True(created.Json.GetProperty("require_pushed_authorization_requests").GetBoolean());
        Assert.True((await SendAsync(HttpMethod.Get, $"/admin/clients/{clientId}", admin)).Json
            .GetProperty("require_pushed_authorization_requests").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, machine.Status);
        Assert.True(machine.Json.GetProperty("errors").TryGetProperty("require_pushed_authorization_requests", out _), machine.Body);
    }

    [Fact]
    public async Task DPoPBoundAccessTokens_AcceptedReturned_ThenTokensOnlyWithAProof()
    {
        var admin = await MachineAdminTokenAsync();
        var clientId = NewClientId();

        var created = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = clientId, client_type = "confidential", grant_types = new[] { "client_credentials" },
            scope = "posts.read", dpop_bound_access_tokens = true,
        });

        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        Assert.True(created.Json.GetProperty("dpop_bound_access_tokens").GetBoolean());
        var secret = created.Json.GetProperty("client_secret").GetString()!;
        Assert.Equal("invalid_dpop_proof", (await ClientCredentialsAsync(clientId, secret, "posts.read")).Error);

        var updated = await SendAsync(HttpMethod.Put, $"/admin/clients/{clientId}", admin, new
        {
            consent_type = "explicit", grant_types = new[] { "client_credentials" }, scope = "posts.read", dpop_bound_access_tokens = false,
        });
        Assert.True(updated.Status == HttpStatusCode.OK, updated.Body);
        Assert.False(updated.Json.GetProperty("dpop_bound_access_tokens").GetBoolean());
        Assert.Equal("Bearer", (await ClientCredentialsAsync(clientId, secret, "posts.read")).Get("token_type"));
    }

    [Fact]
    public async Task LogoutUris_AcceptedReturned_UnderTheRulesOfRedirectUris()
    {
        var admin = await MachineAdminTokenAsync();
        var clientId = NewClientId();
        object CodeClient(string id, string backChannel, string? frontChannel = null, bool sessionRequired = true) => new
        {
            client_id = id, client_type = "public", consent_type = "implicit", grant_types = new[] { "authorization_code" },
            redirect_uris = new[] { "https://acme.example/signin-oidc" }, scope = "openid",
            backchannel_logout_uri = backChannel, backchannel_logout_session_required = sessionRequired,
            frontchannel_logout_uri = frontChannel,
        };

        var created = await SendAsync(HttpMethod.Post, "/admin/clients", admin,
            CodeClient(clientId, "https://acme.example/backchannel-logout", "https://acme.example/frontchannel-logout"));

        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        var shown = (await SendAsync(HttpMethod.Get, $"/admin/clients/{clientId}", admin)).Json;
        Assert.Equal("https://acme.example/backchannel-logout", shown.GetProperty("backchannel_logout_uri").GetString());
        Assert.True(shown.GetProperty("backchannel_logout_session_required").GetBoolean());
        Assert.Equal("https://acme.example/frontchannel-logout", shown.GetProperty("frontchannel_logout_uri").GetString());
        Assert.False(shown.GetProperty("frontchannel_logout_session_required").GetBoolean());

        // A fragment, plain http off loopback, a script: refused, naming the field.
        foreach (var uri in new[] { "https://acme.example/logout#x", "http://acme.example/logout", "javascript:alert(1)", "https://user:pw@acme.example/" })
        {
            var refused = await SendAsync(HttpMethod.Post, "/admin/clients", admin, CodeClient(NewClientId(), uri));
            Assert.True(refused.Status == HttpStatusCode.BadRequest, $"{uri}: {refused.Body}");
            Assert.Equal(["backchannel_logout_uri"], AuthApiClient.FieldsInError(refused));
        }

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/admin/clients", admin,
            CodeClient(NewClientId(), "http://127.0.0.1:5003/backchannel-logout"))).Status);
        var machine = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = NewClientId(), client_type = "confidential", grant_types = new[] { "client_credentials" },
            scope = "posts.read", backchannel_logout_uri = "https://acme.example/backchannel-logout",
        });
        Assert.Equal(["backchannel_logout_uri"], AuthApiClient.FieldsInError(machine));
        var frontChannel = await SendAsync(HttpMethod.Post, "/admin/clients", admin,
            CodeClient(NewClientId(), "https://acme.example/backchannel-logout", "http://acme.example/frontchannel-logout"));
        Assert.Equal(["frontchannel_logout_uri"], AuthApiClient.FieldsInError(frontChannel));
        var noUri = await SendAsync(HttpMethod.Post, "/admin/clients", admin, CodeClient(NewClientId(), "", sessionRequired: true));
        Assert.Equal(["backchannel_logout_session_required"], AuthApiClient.FieldsInError(noUri));
    }

    [Fact]
    public async Task RotateSecret_OldSecretRefusedAtOnceNewOneWorks()
    {
        var admin = await MachineAdminTokenAsync();
        var (clientId, oldSecret) = await CreateMachineClientAsync(admin, "posts.read");

        var rotated = await SendAsync(HttpMethod.Post, $"/admin/clients/{clientId}/secret", admin);

        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        Assert.Contains("no-store", rotated.Headers!.CacheControl!.ToString());
        var newSecret = rotated.Get("client_secret");
        Assert.NotEqual(oldSecret, newSecret);
        var old = await ClientCredentialsAsync(clientId, oldSecret, "posts.read");
        Assert.Equal(HttpStatusCode.Unauthorized, old.Status);
        Assert.Equal("invalid_client", old.Error);
        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(clientId, newSecret, "posts.read")).Status);
    }

    [Fact]
    public async Task Delete_EveryTokenOfTheClientRejectedAtOnce()
    {
        var admin = await MachineAdminTokenAsync();
        var clientId = NewClientId();
        const string redirectUri = "https://ops.example/callback";
        var created = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = clientId, client_type = "confidential", consent_type = "implicit",
            grant_types = new[] { "authorization_code", "refresh_token", "client_credentials" },
            redirect_uris = new[] { redirectUri }, scope = "openid offline_access posts.read",
        });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var secret = created.Get("client_secret");
        var machineToken = (await ClientCredentialsAsync(clientId, secret, "posts.read")).Get("access_token");
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(clientId, redirectUri, "openid offline_access posts.read", pkce));
        var userTokens = await OAuth.RedeemCodeAsync(browser.Client, clientId, redirectUri, code, pkce.Verifier, secret);
        Assert.Equal(HttpStatusCode.OK, userTokens.Status);
        var userToken = userTokens.Get("access_token");
        Assert.True((await OAuth.IntrospectAsync(server.CreateClient(), machineToken)).Json.GetProperty("active").GetBoolean());
        Assert.True((await OAuth.IntrospectAsync(server.CreateClient(), userToken)).Json.GetProperty("active").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/clients/{clientId}", admin)).Status);

        Assert.False((await OAuth.IntrospectAsync(server.CreateClient(), machineToken)).Json.GetProperty("active").GetBoolean());
        Assert.False((await OAuth.IntrospectAsync(server.CreateClient(), userToken)).Json.GetProperty("active").GetBoolean());
        var redis = server.AdminRedis.GetDatabase();
        Assert.True(await server.FamilyRevokedInRedisAsync(userToken));
        Assert.True(await redis.KeyExistsAsync(server.Services.GetRequiredService<RedisKeys>().Revoked(Revoked.User(clientId, default, default))));
        Assert.Equal("invalid_client", (await OAuth.PostAsync(server.CreateClient(), "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = userTokens.Get("refresh_token"),
        }, (clientId, secret))).Error);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/admin/clients/{clientId}", admin)).Status);
    }

    [Theory]
    [InlineData("openid account")]
    [InlineData("admin")]
    public async Task Create_FirstPartyScope_Refused(string scope)
    {
        var created = await SendAsync(HttpMethod.Post, "/admin/clients", await MachineAdminTokenAsync(), new
        {
            client_id = NewClientId(), client_type = "confidential", grant_types = new[] { "authorization_code", "client_credentials" },
            redirect_uris = new[] { "https://partner.example/cb" }, scope,
        });

        Assert.Equal(HttpStatusCode.BadRequest, created.Status);
        Assert.Equal(["scope"], AuthApiClient.FieldsInError(created));
    }

    [Fact]
    public async Task TokenExchange_WithoutAResource_Refused_AudiencesOnlyWithTheGrant()
    {
        // The API a client is (Resource) is configuration only, and token exchange needs it: never registered here.
        var admin = await MachineAdminTokenAsync();

        var exchanger = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = NewClientId(), client_type = "confidential",
            grant_types = new[] { "urn:ietf:params:oauth:grant-type:token-exchange" }, token_exchange_audiences = new[] { BoardApiResource },
        });
        var audiencesAlone = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = NewClientId(), client_type = "confidential", grant_types = new[] { "client_credentials" },
            scope = "posts.read", token_exchange_audiences = new[] { BoardApiResource },
        });

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_client_metadata"), (exchanger.Status, exchanger.Get("error")));
        Assert.Equal(["token_exchange_audiences"], AuthApiClient.FieldsInError(audiencesAlone));
    }

    [Fact]
    public async Task Create_Invalid_400NamingEachBadField()
    {
        var admin = await MachineAdminTokenAsync();

        var invalid = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = Guid.NewGuid().ToString(), client_type = "public", consent_type = "sometimes",
            grant_types = new[] { "authorization_code", "client_credentials" },
            redirect_uris = new[] { "https://acme.example/cb#fragment" }, scope = "openid posts.delete-everything",
        });

        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(["client_id", "consent_type", "grant_types", "redirect_uris", "scope"], AuthApiClient.FieldsInError(invalid));
        Assert.Equal("invalid_redirect_uri", invalid.Get("error"));

        var password = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = NewClientId(), client_type = "confidential", grant_types = new[] { "password" },
        });
        Assert.Equal(["grant_types"], AuthApiClient.FieldsInError(password));
        Assert.Equal("invalid_client_metadata", password.Get("error"));

        var noType = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new { client_id = NewClientId() });
        Assert.Equal(["client_type"], AuthApiClient.FieldsInError(noType));
    }

    [Fact]
    public async Task BadBodies_415And400NotServerErrors()
    {
        var admin = await MachineAdminTokenAsync();
        using var client = server.CreateApiClient();

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, await PostRawAsync(client, admin, "client_id=x", "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, await PostRawAsync(client, admin, "{\"client_id\":", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, await PostRawAsync(client, admin, "{\"redirect_uris\":\"not-a-list\"}", "application/json"));
    }

    [Fact]
    public async Task UnknownDuplicateAndSeeded_404And409()
    {
        var admin = await MachineAdminTokenAsync();
        var (clientId, _) = await CreateMachineClientAsync(admin, "posts.read");

        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/admin/clients/no-such-client", admin)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, "/admin/clients/no-such-client", admin)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, "/admin/clients/no-such-client/secret", admin)).Status);
        var duplicate = await SendAsync(HttpMethod.Post, "/admin/clients", admin,
            new { client_id = clientId, client_type = "confidential", grant_types = new[] { "client_credentials" } });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);

        // Seeded clients belong to Seed:Clients, which the next start would apply again over any change.
        var seeded = await SendAsync(HttpMethod.Get, $"/admin/clients/{ThirdPartyClientId}", admin);
        Assert.True(seeded.Json.GetProperty("managed_by_configuration").GetBoolean());
        foreach (var (method, path) in new[] { (HttpMethod.Delete, ""), (HttpMethod.Post, "/secret"), (HttpMethod.Put, "") })
        {
            var refused = await SendAsync(method, $"/admin/clients/{ThirdPartyClientId}{path}", admin,
                method == HttpMethod.Put ? seeded.Json : null);
            Assert.Equal(HttpStatusCode.Conflict, refused.Status);
            Assert.Contains("configuration", refused.Body);
        }

        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(ThirdPartyClientId, ThirdPartySecret, "posts.read")).Status);
    }

    [Fact]
    public async Task Authorization_NoTokenOrWrongAudience401_NotAdmin403()
    {
        using var client = server.CreateApiClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin/clients")).StatusCode);

        // A token for BoardApi only: not addressed to the admin API.
        var boardToken = (await ClientCredentialsAsync(ThirdPartyClientId, ThirdPartySecret, "posts.read")).Get("access_token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Get, "/admin/clients", boardToken)).Status);

        // A valid token of this server (the account audience) without the admin scope, even an admin's.
        var (accountToken, _) = await AuthApiClient.SignInAsync(client, DemoEmail, DemoPassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/admin/clients", accountToken)).Status);
    }

    [Fact]
    public async Task UserToken_AdminScope_OnlyWhileTheUserIsAnAdmin()
    {
        var consoleId = AdminConsoleClientId;
        var plain = await server.CreateUserAsync();
        var admin = await server.CreateUserAsync(roles: "admin");

        var plainToken = await UserTokenAsync(consoleId, plain.Email!);
        var adminToken = await UserTokenAsync(consoleId, admin.Email!);

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/admin/clients", plainToken)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/admin/clients", adminToken)).Status);

        // The role is read at every request: taken away, the same token (still carrying role=admin) is refused.
        await server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            return (await users.RemoveFromRoleAsync((await users.FindByIdAsync(admin.Id))!, "admin")).Succeeded;
        });
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/admin/clients", adminToken)).Status);
    }

    [Fact]
    public async Task MachineAdmin_ListsEveryClientWithoutSecrets()
    {
        var list = await SendAsync(HttpMethod.Get, "/admin/clients", await MachineAdminTokenAsync());

        Assert.Equal(HttpStatusCode.OK, list.Status);
        var clients = list.Json.EnumerateArray().ToDictionary(client => client.GetProperty("client_id").GetString()!);
        Assert.Superset(new HashSet<string> { SpaClientId, ThirdPartyClientId, BoardApiClientId, AdminAutomationClientId }, clients.Keys.ToHashSet());
        Assert.Equal("public", clients[SpaClientId].GetProperty("client_type").GetString());
        Assert.Equal([SpaRedirectUri], clients[SpaClientId].GetProperty("redirect_uris").EnumerateArray().Select(uri => uri.GetString()));
        Assert.All(clients.Values, client => Assert.False(client.TryGetProperty("client_secret", out _)));
        Assert.DoesNotContain(ThirdPartySecret, list.Body);
    }

    private Task<bool> RequiresMfaAsync(string clientId) => server.WithScopeAsync(async services =>
    {
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        return await ClientProperties.RequiresMfaAsync(applications, (await applications.FindByClientIdAsync(clientId))!);
    });

    private static string NewClientId() => $"acme-{Guid.NewGuid():N}"[..16];

    private async Task<string> MachineAdminTokenAsync() =>
        (await ClientCredentialsAsync(AdminAutomationClientId, AdminAutomationSecret, "admin")).Get("access_token");

    private async Task<TokenResponse> ClientCredentialsAsync(string clientId, string secret, string scope) =>
        await OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }, (clientId, secret));

    private async Task<(string ClientId, string Secret)> CreateMachineClientAsync(string admin, string scope)
    {
        var clientId = NewClientId();
        var created = await SendAsync(HttpMethod.Post, "/admin/clients", admin, new
        {
            client_id = clientId, client_type = "confidential", grant_types = new[] { "client_credentials" }, scope,
        });
        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        return (clientId, created.Get("client_secret"));
    }

    private async Task<string> UserTokenAsync(string clientId, string email)
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, email, "Str0ng!Password");
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(clientId, AdminConsoleRedirectUri, "openid admin", pkce));
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, clientId, AdminConsoleRedirectUri, code, pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        return tokens.Get("access_token");
    }

    private async Task<TokenResponse> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var client = server.CreateApiClient();
        return await AuthApiClient.SendAsync(client, method, path, body, token);
    }

    private static async Task<HttpStatusCode> PostRawAsync(HttpClient client, string token, string body, string mediaType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/clients") { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
