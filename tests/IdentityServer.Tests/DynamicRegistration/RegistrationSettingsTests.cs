using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.DynamicRegistration;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.DynamicRegistration.Registrations;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DynamicRegistration;

/// <summary>Registration on servers configured otherwise: outside Development, with open registration on, with a small rate limit.</summary>
public sealed class RegistrationSettingsTests
{
    [Fact]
    public async Task OutsideDevelopment_HttpRedirectUri_InvalidRedirectUri_ButANativeAppsLoopbackIsFine()
    {
        await using var production = Create(NewDatabaseName(), NewRedisPrefix(),
            new Dictionary<string, string?> { ["Database:ApplyMigrationsAtStartup"] = "true" }, environment: "Production");
        var token = await IssueAsync(production, ["http://partner.example/app/", "http://127.0.0.1:7000/"]);

        AssertRefused(await RegisterAsync(production, token, new { redirect_uris = new[] { "http://partner.example/app/callback" } }),
            HttpStatusCode.BadRequest, "invalid_redirect_uri", "redirect_uris");
        var native = await RegisterAsync(production, token, new
        {
            redirect_uris = new[] { "http://127.0.0.1:7000/callback" }, token_endpoint_auth_method = "none",
        });
        Assert.True(native.Status == HttpStatusCode.Created, native.Body);
    }

    [Fact]
    public async Task OpenRegistration_WhenAllowed_SignInClientsWithIdentityScopesOnly()
    {
        await using var open = Create(NewDatabaseName(), NewRedisPrefix(),
            new Dictionary<string, string?> { ["DynamicRegistration:AllowOpenRegistration"] = "true" });

        var registered = await RegisterAsync(open, null, new { redirect_uris = new[] { "https://anyone.example/cb" }, scope = "openid profile email" });
        Assert.True(registered.Status == HttpStatusCode.Created, registered.Body);

        AssertRefused(await RegisterAsync(open, null, new { grant_types = new[] { "client_credentials" } }),
            HttpStatusCode.BadRequest, "invalid_client_metadata", "grant_types");
        AssertRefused(await RegisterAsync(open, null, new { redirect_uris = new[] { "https://anyone.example/cb" }, scope = "openid posts.read" }),
            HttpStatusCode.BadRequest, "invalid_client_metadata", "scope");
        // A presented token must still be a good one.
        AssertBearerChallenge(await RegisterAsync(open, "forged", new { redirect_uris = new[] { "https://anyone.example/cb" } }));
    }

    [Fact]
    public async Task RateLimitedPerIp_429WithRetryAfter()
    {
        // Over a socket: the in-memory test server has no client address to count by.
        await using var limited = OnLoopback(FreeLoopbackPort(),
            overrides: new Dictionary<string, string?> { ["RateLimits:Policies:client-registrations-per-ip:PermitLimit"] = "2" });
        limited.StartServer();

        for (var i = 0; i < 2; i++)
        {
            AssertBearerChallenge(await RegisterAsync(limited, "guess-" + i, WebClient()));
        }

        var refused = await RegisterAsync(limited, "guess-3", WebClient());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.NotNull(refused.Headers!.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ManageAsync(limited, HttpMethod.Get, "/connect/register/dyn-x", "guess")).Status);
    }

    private static async Task<string> IssueAsync(IdentityServerFactory server, string[] prefixes)
    {
        var (token, errors) = await server.WithScopeAsync(services => services.GetRequiredService<InitialAccessTokens>().CreateAsync(
            new InitialAccessTokenRequest { GrantTypes = ["authorization_code"], RedirectUriPrefixes = [.. prefixes], ExpiresIn = 600, MaxUses = 5 }));
        Assert.Null(errors);
        return token!.Token!;
    }
}
