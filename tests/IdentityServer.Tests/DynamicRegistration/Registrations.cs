using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.DynamicRegistration;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DynamicRegistration;

/// <summary>What the dynamic registration tests do over and over: an admin's initial access token, a registration, an RFC 7592 call.</summary>
internal static class Registrations
{
    public const string Prefix = "https://partner.example/app/";
    public const string RedirectUri = Prefix + "callback";

    public static async Task<string> AdminTokenAsync(IdentityServerFactory server) =>
        (await OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "admin" },
            (AdminAutomationClientId, AdminAutomationSecret))).Get("access_token");

    /// <summary>An initial access token through the admin API (its secret, and its id).</summary>
    public static async Task<(string Token, string Id)> InitialTokenAsync(IdentityServerFactory server, object? request = null)
    {
        using var client = server.CreateApiClient();
        var created = await AuthApiClient.SendAsync(client, HttpMethod.Post, "/admin/initial-access-tokens", request ?? new
        {
            grant_types = new[] { "authorization_code", "refresh_token", "client_credentials" },
            scope = "openid offline_access posts.read",
            redirect_uri_prefixes = new[] { Prefix },
            expires_in = 3600,
        }, await AdminTokenAsync(server));
        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        return (created.Get("initial_access_token"), created.Get("id"));
    }

    /// <summary>A confidential client of every grant the default token allows.</summary>
    public static object WebClient(string scope = "openid offline_access posts.read") => new
    {
        client_name = "Partner app",
        redirect_uris = new[] { RedirectUri },
        grant_types = new[] { "authorization_code", "refresh_token", "client_credentials" },
        scope,
    };

    public static async Task<TokenResponse> RegisterAsync(IdentityServerFactory server, string? initialToken, object metadata)
    {
        using var client = server.CreateApiClient();
        return await AuthApiClient.SendAsync(client, HttpMethod.Post, "/connect/register", metadata, initialToken);
    }

    /// <summary>Registers and asserts it worked: the client information response.</summary>
    public static async Task<TokenResponse> RegisteredAsync(IdentityServerFactory server, object? metadata = null)
    {
        var (token, _) = await InitialTokenAsync(server);
        var registered = await RegisterAsync(server, token, metadata ?? WebClient());
        Assert.True(registered.Status == HttpStatusCode.Created, registered.Body);
        return registered;
    }

    /// <summary>An RFC 7592 call at a client configuration endpoint (its absolute registration_client_uri, or a path).</summary>
    public static async Task<TokenResponse> ManageAsync(IdentityServerFactory server, HttpMethod method, string uri, string? token,
        object? body = null)
    {
        using var client = server.CreateApiClient();
        return await AuthApiClient.SendAsync(client, method, new Uri(uri, UriKind.RelativeOrAbsolute).IsAbsoluteUri ? new Uri(uri).PathAndQuery : uri,
            body, token);
    }

    public static Task<TokenResponse> ClientCredentialsAsync(IdentityServerFactory server, string clientId, string secret, string scope) =>
        OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }, (clientId, secret));

    /// <summary>Sets a token's row directly: what time or an admin would do.</summary>
    public static Task<int> ChangeInitialTokenAsync(IdentityServerFactory server, string id, DateTimeOffset expiresAt) =>
        server.WithScopeAsync(services => services.GetRequiredService<ApplicationDbContext>().InitialAccessTokens
            .Where(token => token.Id == id).ExecuteUpdateAsync(token => token.SetProperty(t => t.ExpiresAt, expiresAt)));

    public static void AssertRefused(TokenResponse response, HttpStatusCode status, string error, string? field = null)
    {
        Assert.True(response.Status == status, $"{(int)response.Status} {response.Body}");
        Assert.Equal(error, response.Error);
        if (field is not null)
        {
            Assert.StartsWith(field + ":", response.Get("error_description"));
        }
    }

    public static void AssertBearerChallenge(TokenResponse response)
    {
        AssertRefused(response, HttpStatusCode.Unauthorized, "invalid_token");
        Assert.StartsWith("Bearer", response.Headers!.WwwAuthenticate.ToString());
    }
}
