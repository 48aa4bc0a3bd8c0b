using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.DynamicRegistration.Registrations;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DynamicRegistration;

/// <summary>
/// The client configuration endpoint (RFC 7592): a registration is read, replaced and deleted with its own
/// registration access token only, rotated at every update, and never beyond the initial access token's scope.
/// </summary>
public sealed class ManagementTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Read_WithItsToken_TheRegistrationWithoutSecrets()
    {
        var registered = await RegisteredAsync(server);

        var read = await ManageAsync(server, HttpMethod.Get, registered.Get("registration_client_uri"), registered.Get("registration_access_token"));

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Contains("no-store", read.Headers!.CacheControl!.ToString());
        Assert.Equal(registered.Get("client_id"), read.Get("client_id"));
        Assert.Equal(registered.Get("scope"), read.Get("scope"));
        Assert.Equal(registered.Get("registration_client_uri"), read.Get("registration_client_uri"));
        Assert.False(read.Json.TryGetProperty("client_secret", out _));
        Assert.False(read.Json.TryGetProperty("registration_access_token", out _));
    }

    [Fact]
    public async Task Update_FullReplacement_TokenRotated_OldOneDead()
    {
        var registered = await RegisteredAsync(server);
        var uri = registered.Get("registration_client_uri");
        var clientId = registered.Get("client_id");
        var old = registered.Get("registration_access_token");

        var updated = await ManageAsync(server, HttpMethod.Put, uri, old, new
        {
            client_id = clientId, client_name = "Renamed", redirect_uris = new[] { Prefix + "other" },
            grant_types = new[] { "authorization_code", "client_credentials" }, scope = "openid",
        });

        Assert.True(updated.Status == HttpStatusCode.OK, updated.Body);
        Assert.Equal("Renamed", updated.Get("client_name"));
        Assert.Equal([Prefix + "other"], updated.Json.GetProperty("redirect_uris").EnumerateArray().Select(value => value.GetString()));
        Assert.Equal("openid", updated.Get("scope")); // refresh_token and posts.read left out: gone
        var rotated = updated.Get("registration_access_token");
        Assert.NotEqual(old, rotated);
        Assert.False(updated.Json.TryGetProperty("client_secret", out _));
        // The secret is kept: posts.read is no longer the client's.
        Assert.Equal("invalid_request", (await ClientCredentialsAsync(server, clientId, registered.Get("client_secret"), "posts.read")).Error);

        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Get, uri, old));
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Put, uri, old, new { client_id = clientId, redirect_uris = new[] { RedirectUri } }));
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Delete, uri, old));
        Assert.Equal(HttpStatusCode.OK, (await ManageAsync(server, HttpMethod.Get, uri, rotated)).Status);
    }

    [Fact]
    public async Task Update_WhatTheOperatorSet_KeptByThePartnersReplacement()
    {
        var registered = await RegisteredAsync(server);
        var clientId = registered.Get("client_id");
        using var client = server.CreateApiClient();
        var admin = await AdminTokenAsync(server);
        var view = (await AuthApiClient.SendAsync(client, HttpMethod.Get, $"/admin/clients/{clientId}", bearer: admin))
            .Json.Deserialize<ClientView>()!.ToRegistration();
        view.ConsentType = "implicit";
        view.Introspection = true;
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.SendAsync(client, HttpMethod.Put, $"/admin/clients/{clientId}", view, admin)).Status);

        var updated = await ManageAsync(server, HttpMethod.Put, registered.Get("registration_client_uri"), registered.Get("registration_access_token"),
            new { client_id = clientId, client_name = "Renamed", redirect_uris = new[] { RedirectUri }, consent_type = "explicit", introspection = false });

        Assert.True(updated.Status == HttpStatusCode.OK, updated.Body);
        var after = (await AuthApiClient.SendAsync(client, HttpMethod.Get, $"/admin/clients/{clientId}", bearer: admin)).Json;
        Assert.Equal("Renamed", after.GetProperty("client_name").GetString());
        Assert.Equal("implicit", after.GetProperty("consent_type").GetString());
        Assert.True(after.GetProperty("introspection").GetBoolean());
    }

    [Fact]
    public async Task Update_BeyondTheInitialTokensScope_Refused()
    {
        var registered = await RegisteredAsync(server);
        var uri = registered.Get("registration_client_uri");
        var token = registered.Get("registration_access_token");
        var clientId = registered.Get("client_id");

        AssertRefused(await ManageAsync(server, HttpMethod.Put, uri, token, new
        {
            client_id = clientId, redirect_uris = new[] { RedirectUri }, scope = "openid posts.write",
        }), HttpStatusCode.BadRequest, "invalid_client_metadata", "scope");
        AssertRefused(await ManageAsync(server, HttpMethod.Put, uri, token, new
        {
            client_id = clientId, redirect_uris = new[] { "https://evil.example/callback" },
        }), HttpStatusCode.BadRequest, "invalid_redirect_uri", "redirect_uris");
        AssertRefused(await ManageAsync(server, HttpMethod.Put, uri, token, new
        {
            client_id = clientId, redirect_uris = new[] { RedirectUri }, token_endpoint_auth_method = "none",
        }), HttpStatusCode.BadRequest, "invalid_client_metadata", "token_endpoint_auth_method");

        // Nothing changed, and the token presented is still the one.
        var read = await ManageAsync(server, HttpMethod.Get, uri, token);
        Assert.Equal("openid offline_access posts.read", read.Get("scope"));
    }

    [Fact]
    public async Task Update_ClientIdMissingOrAnother_Refused()
    {
        var registered = await RegisteredAsync(server);
        var uri = registered.Get("registration_client_uri");
        var token = registered.Get("registration_access_token");

        AssertRefused(await ManageAsync(server, HttpMethod.Put, uri, token, new { redirect_uris = new[] { RedirectUri } }),
            HttpStatusCode.BadRequest, "invalid_client_metadata", "client_id");
        AssertRefused(await ManageAsync(server, HttpMethod.Put, uri, token, new { client_id = "someone-else", redirect_uris = new[] { RedirectUri } }),
            HttpStatusCode.BadRequest, "invalid_client_metadata", "client_id");
    }

    [Fact]
    public async Task AnotherClient_WithMyToken_401ForReadUpdateAndDelete()
    {
        var mine = await RegisteredAsync(server);
        var theirs = await RegisteredAsync(server);
        var myToken = mine.Get("registration_access_token");
        var theirUri = theirs.Get("registration_client_uri");

        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Get, theirUri, myToken));
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Put, theirUri, myToken,
            new { client_id = theirs.Get("client_id"), redirect_uris = new[] { "https://partner.example/app/mine" } }));
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Delete, theirUri, myToken));

        Assert.Equal(HttpStatusCode.OK, (await ManageAsync(server, HttpMethod.Get, theirUri, theirs.Get("registration_access_token"))).Status);
    }

    [Fact]
    public async Task NoOrWrongToken_401()
    {
        var registered = await RegisteredAsync(server);
        var uri = registered.Get("registration_client_uri");

        var none = await ManageAsync(server, HttpMethod.Get, uri, null);
        AssertRefused(none, HttpStatusCode.Unauthorized, "invalid_token");
        Assert.Equal("Bearer", none.Headers!.WwwAuthenticate.ToString());
        var token = registered.Get("registration_access_token");
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Get, uri, token[..^1] + (token[^1] == 'A' ? 'B' : 'A')));
        // The initial access token is not a registration access token.
        var (initial, _) = await InitialTokenAsync(server);
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Get, uri, initial));
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Get, "/connect/register/dyn-no-such-client", registered.Get("registration_access_token")));
    }

    [Theory]
    [InlineData(ThirdPartyClientId)]
    [InlineData(SpaClientId)]
    public async Task SeededClient_CannotBeManaged(string clientId)
    {
        var registered = await RegisteredAsync(server);
        var token = registered.Get("registration_access_token");

        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Get, $"/connect/register/{clientId}", token));
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Put, $"/connect/register/{clientId}", token,
            new { client_id = clientId, redirect_uris = new[] { RedirectUri } }));
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Delete, $"/connect/register/{clientId}", token));

        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(server, ThirdPartyClientId, ThirdPartySecret, "posts.read")).Status);
    }

    [Fact]
    public async Task AdminCreatedClient_HasNoRegistrationToken_CannotBeManaged()
    {
        var clientId = $"admin-{Guid.NewGuid():N}"[..16];
        using var client = server.CreateApiClient();
        var created = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/admin/clients",
            new { client_id = clientId, client_type = "confidential", grant_types = new[] { "client_credentials" } }, await AdminTokenAsync(server));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var someToken = (await RegisteredAsync(server)).Get("registration_access_token");

        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Delete, $"/connect/register/{clientId}", someToken));
        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(server, clientId, created.Get("client_secret"), "")).Status);
    }

    [Fact]
    public async Task Delete_204_ItsTokensRevokedAndTheRegistrationGone()
    {
        var registered = await RegisteredAsync(server);
        var clientId = registered.Get("client_id");
        var secret = registered.Get("client_secret");
        var uri = registered.Get("registration_client_uri");
        var accessToken = (await ClientCredentialsAsync(server, clientId, secret, "posts.read")).Get("access_token");
        Assert.True((await OAuth.IntrospectAsync(server.CreateClient(), accessToken)).Json.GetProperty("active").GetBoolean());

        var deleted = await ManageAsync(server, HttpMethod.Delete, uri, registered.Get("registration_access_token"));

        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.False((await OAuth.IntrospectAsync(server.CreateClient(), accessToken)).Json.GetProperty("active").GetBoolean());
        Assert.True(await server.AdminRedis.GetDatabase().KeyExistsAsync(
            server.Services.GetRequiredService<RedisKeys>().Revoked(Revoked.User(clientId, default, default))));
        Assert.Equal("invalid_client", (await ClientCredentialsAsync(server, clientId, secret, "posts.read")).Error);
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Get, uri, registered.Get("registration_access_token")));
    }

    [Fact]
    public async Task AdminRemovesARegisteredClient_ItsRegistrationGoesWithIt()
    {
        var registered = await RegisteredAsync(server);
        using var client = server.CreateApiClient();

        var removed = await AuthApiClient.SendAsync(client, HttpMethod.Delete, $"/admin/clients/{registered.Get("client_id")}",
            bearer: await AdminTokenAsync(server));

        Assert.Equal(HttpStatusCode.NoContent, removed.Status);
        AssertBearerChallenge(await ManageAsync(server, HttpMethod.Get, registered.Get("registration_client_uri"),
            registered.Get("registration_access_token")));
    }
}
