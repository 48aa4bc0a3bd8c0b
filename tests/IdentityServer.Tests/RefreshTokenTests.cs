using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Rolling refresh tokens with Server:RefreshTokenReuseLeeway = 0 (the default): every replay is theft.</summary>
public sealed class RefreshTokenTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Refresh_Valid_ReturnsNewAccessAndRefreshTokenKeepingSession()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var refreshed = await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, spa.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.NotEqual(spa.RefreshToken, refreshed.Get("refresh_token"));
        Assert.NotEqual(spa.AccessToken, refreshed.Get("access_token"));
        var before = await OAuth.ValidateJwtAsync(spa.Browser.Client, spa.AccessToken, BoardApiResource, "at+jwt");
        var after = await OAuth.ValidateJwtAsync(spa.Browser.Client, refreshed.Get("access_token"), BoardApiResource, "at+jwt");
        Assert.Equal(before.GetClaim("sid").Value, after.GetClaim("sid").Value);
        Assert.Equal(before.Subject, after.Subject);
        Assert.Equal(before.GetClaim("scope").Value, after.GetClaim("scope").Value);
    }

    [Fact]
    public async Task Refresh_ReplayOfRedeemedToken_InvalidGrantAndWholeFamilyRevoked()
    {
        var spa = await SignedInSpa.StartAsync(server);
        var client = spa.Browser.Client;
        var rotated = await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, rotated.Status);

        var replay = await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken);

        Assert.Equal(HttpStatusCode.BadRequest, replay.Status);
        Assert.Equal("invalid_grant", replay.Error);
        // The replay may be the thief or the victim: OpenIddict revokes the whole authorization, so the token the
        // legitimate rotation produced is dead too (RFC 9700 4.14.2).
        var descendant = await OAuth.RefreshAsync(client, SpaClientId, rotated.Get("refresh_token"));
        Assert.Equal("invalid_grant", descendant.Error);
        var introspection = await OAuth.IntrospectAsync(client, rotated.Get("access_token"));
        Assert.False(introspection.Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Refresh_ReplayAfterTheRedisClaimLapsed_StillCaughtFromPostgreSql()
    {
        var spa = await SignedInSpa.StartAsync(server);
        var client = spa.Browser.Client;
        var rotated = await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, rotated.Status);

        // A spent token's claim lasts minutes, not the token's 7 days (a key per refresh would fill Redis)...
        var redis = server.AdminRedis;
        var pattern = server.Services.GetRequiredService<RedisJwt.ServiceDefaults.RedisKeys>().RefreshTokenUse("*").ToString();
        var claims = redis.GetServers()[0].Keys(pattern: pattern).ToList();
        Assert.NotEmpty(claims);
        foreach (var claim in claims)
        {
            Assert.InRange((await redis.GetDatabase().KeyTimeToLiveAsync(claim))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        }

        // ...and once it has lapsed, the redeemed entry in PostgreSQL still tells a replay: the family is revoked.
        await redis.GetDatabase().KeyDeleteAsync([.. claims]);
        var replay = await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken);

        Assert.Equal("invalid_grant", replay.Error);
        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(client, SpaClientId, rotated.Get("refresh_token"))).Error);
        Assert.True(await server.FamilyRevokedInRedisAsync(rotated.Get("access_token")));
    }

    [Fact]
    public async Task RefreshTokensAndCodes_SealedWithDataProtection_NotInterchangeable()
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid offline_access", pkce));
        var spa = await SignedInSpa.StartAsync(server);

        // Neither is a JWT or JWE any more (no RSA operation to read them, issue 22).
        Assert.DoesNotContain('.', spa.RefreshToken);
        // A code is no refresh token (its entry says authorization code; a sealed token names its type in its purpose).
        var codeAsRefresh = await OAuth.RefreshAsync(browser.Client, SpaClientId, code);

        Assert.Equal("invalid_grant", codeAsRefresh.Error);
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RedeemCodeAsync(browser.Client, SpaClientId, SpaRedirectUri, code, pkce.Verifier)).Status);
    }

    [Fact]
    public async Task Refresh_JweRefreshTokenIssuedBeforeDataProtection_StillRedeems()
    {
        // The version before issue 22, on the same database and Redis: its refresh tokens were JWEs.
        var (database, prefix) = (NewDatabaseName(), NewRedisPrefix());
        await using var before = Create(database, prefix);
        before.TestServices = services => services.Configure<OpenIddict.Server.DataProtection.OpenIddictServerDataProtectionOptions>(
            options => options.PreferDefaultRefreshTokenFormat = true);
        var spa = await SignedInSpa.StartAsync(before);
        Assert.Equal(5, spa.RefreshToken.Split('.').Length);

        await using var after = Create(database, prefix);
        var refreshed = await OAuth.RefreshAsync(after.CreateClient(), SpaClientId, spa.RefreshToken);

        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.DoesNotContain('.', refreshed.Get("refresh_token"));
    }

    [Fact]
    public async Task Refresh_TokenOfAnotherClient_InvalidGrant()
    {
        var spa = await SignedInSpa.StartAsync(server);

        var stolen = await OAuth.PostAsync(spa.Browser.Client, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = spa.RefreshToken,
        }, (ThirdPartyClientId, ThirdPartySecret));

        Assert.Equal("invalid_grant", stolen.Error);
    }

    [Fact]
    public async Task Refresh_Garbage_InvalidGrant()
    {
        var response = await OAuth.RefreshAsync(server.CreateClient(), SpaClientId, "not-a-refresh-token");

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task Refresh_UserLockedOut_InvalidGrant()
    {
        var user = await server.CreateUserAsync();
        var spa = await SignedInSpa.StartAsync(server, email: user.Email!, password: "Str0ng!Password");
        await server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>();
            var stored = await users.FindByIdAsync(user.Id);
            return await users.SetLockoutEndDateAsync(stored!, DateTimeOffset.UtcNow.AddHours(1));
        });

        var response = await OAuth.RefreshAsync(spa.Browser.Client, SpaClientId, spa.RefreshToken);

        Assert.Equal("invalid_grant", response.Error);
    }
}
