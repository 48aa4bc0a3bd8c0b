using System.Net;
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

        var audit = traced.Capture.Entries.Where(entry => entry.Category == "RedisJwt.Audit").Select(entry => entry.Text).ToList();
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
}
