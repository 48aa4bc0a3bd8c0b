using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Several instances, or one restarted: same certificates, same database, same Redis.</summary>
public sealed class RestartTests
{
    private static string NewPrefix() => $"test:{Guid.NewGuid():N}:";

    [Fact]
    public async Task Restart_SameKeys_IssuedTokensStayValid()
    {
        var database = NewDatabaseName();
        var prefix = NewPrefix();
        SignedInSpa spa;
        string jwksBefore;
        await using (var first = Create(database, prefix))
        {
            first.DropDatabaseOnDispose = false;
            spa = await SignedInSpa.StartAsync(first);
            jwksBefore = await first.CreateClient().GetStringAsync("/.well-known/jwks");
        }

        await using var restarted = Create(database, prefix);
        var client = restarted.CreateClient();
        Assert.Equal(Kids(jwksBefore), Kids(await client.GetStringAsync("/.well-known/jwks")));
        await OAuth.ValidateJwtAsync(client, spa.AccessToken, BoardApiResource, "at+jwt");
        Assert.True((await OAuth.IntrospectAsync(client, spa.AccessToken)).Json.GetProperty("active").GetBoolean());
        // Refresh tokens are encrypted with the encryption certificate: the restarted server can still read them.
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken)).Status);
    }

    [Fact]
    public async Task TwoInstances_SharedDataProtectionKeys_CookieFromOneAcceptedByOther()
    {
        var prefix = NewPrefix();
        var (instanceA, response) = await SignInAtAThenAuthorizeAtBAsync(prefix, prefix);
        await using var _ = instanceA;

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(SpaRedirectUri + "?code=", response.Headers.Location!.ToString());
        var redis = instanceA.AdminRedis.GetDatabase();
        var keys = instanceA.Services.GetRequiredService<RedisKeys>();
        Assert.True(await redis.ListLengthAsync(keys.DataProtectionKeys) > 0, "the key ring is not in Redis");
    }

    [Fact]
    public async Task TwoInstances_DifferentKeyRings_CookieRejected()
    {
        // The control for the test above: without the shared key ring, B cannot read A's cookie.
        var (instanceA, response) = await SignInAtAThenAuthorizeAtBAsync(NewPrefix(), NewPrefix());
        await using var _ = instanceA;

        Assert.Contains("/Account/Login", response.Headers.Location!.ToString());
    }

    /// <summary>Signs in at instance A, then carries A's cookies to B, as a load balancer would.</summary>
    private static async Task<(IdentityServerFactory InstanceA, HttpResponseMessage AtB)> SignInAtAThenAuthorizeAtBAsync(
        string prefixA, string prefixB)
    {
        var database = NewDatabaseName();
        var instanceA = Create(database, prefixA);
        await using var instanceB = Create(database, prefixB);
        instanceB.DropDatabaseOnDispose = false;

        var browserA = instanceA.CreateBrowser();
        await OAuth.SignInAsync(browserA, DemoEmail, DemoPassword);
        var cookies = (await browserA.Client.GetAsync("/")).RequestMessage!.Headers.GetValues("Cookie");

        var clientB = instanceB.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()));
        request.Headers.Add("Cookie", cookies);
        return (instanceA, await clientB.SendAsync(request));
    }

    private static IEnumerable<string> Kids(string jwks) =>
        JsonDocument.Parse(jwks).RootElement.GetProperty("keys").EnumerateArray().Select(key => key.GetProperty("kid").GetString()!);
}
