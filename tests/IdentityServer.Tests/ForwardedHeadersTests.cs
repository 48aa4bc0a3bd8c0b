using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// Without ForwardedHeaders:KnownProxies or KnownNetworks, no sender is a trusted proxy: X-Forwarded-* change nothing.
/// (Trusted and untrusted proxies on real sockets: tests/EndToEnd.Tests/LoadBalancerTests.)
/// </summary>
public sealed class ForwardedHeadersTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task ForwardedHeaders_NoTrustedProxyConfigured_Ignored()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Security");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await server.CreateApiClient().SendAsync(request);

        // The sign-in redirect is built from the request's own scheme and host, not the forwarded ones.
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith($"{server.Issuer}Account/Login?", response.Headers.Location!.AbsoluteUri);
    }
}
