using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Telemetry;

/// <summary>Authentication events in the audit category, one line each, with who and what but no secret.</summary>
public sealed class AuditLogTests(TracedServer traced) : IClassFixture<TracedServer>
{
    private IdentityServerFactory Server => traced.Server;

    [Fact]
    public async Task AuthEvents_SignInTokensRefusalLogout_EachAnAuditLine()
    {
        var user = await Server.CreateUserAsync();
        var client = Server.CreateApiClient();

        var (access, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        await AuthApiClient.LoginAsync(client, user.Email!, "not-the-password");
        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.LogoutAsync(client, access)).Status);
        var clientToken = await OAuth.ClientCredentialsAsync(client, "posts.read");
        Assert.Equal(HttpStatusCode.OK, (await OAuth.IntrospectAsync(client, clientToken)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await OAuth.PostAsync(client, "/connect/introspect",
            new Dictionary<string, string> { ["token"] = clientToken }, (IdentityServerFactory.BoardApiClientId, "a-wrong-secret"))).Status);

        var audit = traced.Capture.Entries.Where(entry => entry.Category.StartsWith("RedisJwt.Audit")).Select(entry => entry.Text).ToList();
        Assert.Contains(audit, line => line.StartsWith($"Signed in: user {user.Id}"));
        Assert.Contains(audit, line => line.StartsWith($"Tokens issued: grant password, client {AuthApiClient.ClientId}, subject {user.Id}, refresh token True"));
        Assert.Contains(audit, line => line.StartsWith($"Sign-in refused (failure): user (null)"));
        Assert.Contains(audit, line => line.StartsWith($"Revoked (logout): session, user {user.Id}"));
        Assert.Contains(audit, line => line.StartsWith(
            $"Tokens issued: grant client_credentials, client {IdentityServerFactory.ThirdPartyClientId}, subject {IdentityServerFactory.ThirdPartyClientId}"));
        var accessLog = traced.Capture.Entries.Where(entry => entry.Category == "RedisJwt.Access").Select(entry => entry.Text).ToList();
        Assert.True(accessLog.Any(line => line.StartsWith("POST /auth/login 200") && line.Contains($"client {AuthApiClient.ClientId}, subject {user.Id}")),
            string.Join("\n", accessLog));
        // The resource server that introspected, once its secret was checked; a wrong secret is not given its name. (The
        // last line is written as its request ends, which the in-memory client can see a moment before.)
        Assert.Contains(accessLog, line => line.StartsWith("POST /connect/introspect 200") && line.Contains($"client {IdentityServerFactory.BoardApiClientId},"));
        await Eventually.TrueAsync(() => Task.FromResult(traced.Capture.Entries.Any(entry => entry.Category == "RedisJwt.Access"
            && entry.Text.StartsWith("POST /connect/introspect 401") && entry.Text.Contains("client (null),"))));
    }

    [Fact]
    public async Task AuthorizationCodeReplayed_AuditedWithTheRevokedFamily()
    {
        var browser = Server.CreateBrowser();
        await OAuth.SignInAsync(browser, IdentityServerFactory.DemoEmail, IdentityServerFactory.DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser,
            OAuth.AuthorizeUrl(IdentityServerFactory.SpaClientId, IdentityServerFactory.SpaRedirectUri, "openid", pkce));
        async Task<TokenResponse> RedeemAsync() => await OAuth.RedeemCodeAsync(browser.Client, IdentityServerFactory.SpaClientId,
            IdentityServerFactory.SpaRedirectUri, code, pkce.Verifier);
        var family = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken((await RedeemAsync()).Get("access_token"))
            .GetClaim(RedisJwt.Revocation.TokenFacts.FamilyClaim).Value;

        Assert.Equal("invalid_grant", (await RedeemAsync()).Error);

        var audit = traced.Capture.Entries.Where(entry => entry.Category.StartsWith("RedisJwt.Audit")).Select(entry => entry.Text).ToList();
        Assert.Contains(audit, line => line.StartsWith(
            $"Authorization code replay detected: client {IdentityServerFactory.SpaClientId}, subject ") && line.Contains($"token family {family} revoked"));
        Assert.Contains(audit, line => line.StartsWith("Revoked (authorization_code_replay): token family"));
    }

    [Fact]
    public async Task ProductionDefaults_RevocationAudited_NoLinePerTokenOrRequest()
    {
        var capture = new LogCapture();
        await using var production = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(),
            new Dictionary<string, string?>
            {
                ["Database:ApplyMigrationsAtStartup"] = "true",
                ["Server:AllowInsecureHttp"] = "true",
                // Production seeds no demo client: a machine client of its own.
                ["Seed:Clients:audited-machine:Type"] = "confidential",
                ["Seed:Clients:audited-machine:Secret"] = "audited-machine-secret",
                ["Seed:Clients:audited-machine:GrantTypes:0"] = "client_credentials",
                ["Seed:Clients:audited-machine:Scopes:0"] = "posts.read",
            },
            environment: "Production");
        production.TestServices = services => services.AddSingleton<ILoggerProvider>(capture);
        var client = production.CreateClient();

        var token = await OAuth.PostAsync(client, "/connect/token", new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
            ("audited-machine", "audited-machine-secret"));
        Assert.True(token.Status == HttpStatusCode.OK, token.Body);
        var revoked = await OAuth.PostAsync(client, "/connect/revoke", new Dictionary<string, string> { ["token"] = token.Get("access_token") },
            ("audited-machine", "audited-machine-secret"));
        Assert.Equal(HttpStatusCode.OK, revoked.Status);

        Assert.Contains(capture.Entries, entry => entry.Category == "RedisJwt.Audit" && entry.Text.StartsWith("Revoked (revocation_endpoint)"));
        // The two lines that come with every request or token are off unless asked for (their CPU cost, docs/observability.md).
        Assert.DoesNotContain(capture.Entries, entry => entry.Category is "RedisJwt.Audit.Tokens" or "RedisJwt.Access");
    }
}
