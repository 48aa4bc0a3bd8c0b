using System.Net;
using RedisJwt.Testing;
using static RedisJwt.Testing.Cors;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Browser apps on the configured origins (the test servers allow the SPA's) may call the token APIs.</summary>
public sealed class CorsTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private const string OtherOrigin = "https://elsewhere.example";

    public static TheoryData<string, string> CrossOriginApis => new()
    {
        { "/connect/token", "POST" },
        { "/connect/userinfo", "GET" },
        { "/connect/userinfo", "POST" },
        { "/connect/revoke", "POST" },
        { "/connect/par", "POST" },
        // No endpoint is mapped here yet: the CORS middleware answers the preflight by itself.
        { "/auth/login", "POST" },
        { "/auth/me", "PUT" },
    };

    [Theory]
    [MemberData(nameof(CrossOriginApis))]
    public async Task Preflight_ConfiguredOrigin_AllowedWithoutCredentials(string path, string method)
    {
        using var response = await PreflightAsync(server.CreateApiClient(), path, SpaOrigin, method);

        AssertPreflightAllowed(response, SpaOrigin, method);
    }

    [Theory]
    [MemberData(nameof(CrossOriginApis))]
    public async Task Preflight_OtherOrigin_Refused(string path, string method)
    {
        using var response = await PreflightAsync(server.CreateApiClient(), path, OtherOrigin, method);

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Methods"));
    }

    [Theory]
    [InlineData("/connect/introspect")] // for resource servers, never browsers
    [InlineData("/Account/Login")]
    [InlineData("/account/sessions")]
    public async Task Preflight_ConfiguredOriginToOtherPath_Refused(string path)
    {
        using var response = await PreflightAsync(server.CreateApiClient(), path, SpaOrigin, "POST");

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task TokenError_ConfiguredOrigin_ReadableWithChallengeHeaders()
    {
        using var response = await PostTokenAsync(SpaOrigin);

        // OpenIddict's own error response (RFC 6749 5.2) carries the CORS headers too, so the app can read the error.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unsupported_grant_type", await response.Content.ReadAsStringAsync());
        Assert.Equal(SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal(["dpop-nonce", "retry-after", "www-authenticate"], HeaderItems(response, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task TokenRequest_OtherOrigin_NoAllowOrigin()
    {
        using var response = await PostTokenAsync(OtherOrigin);

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/jwks")]
    public async Task PublicMetadata_AnyOrigin_Readable(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path).From(OtherOrigin);
        using var response = await server.CreateApiClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    private async Task<HttpResponseMessage> PostTokenAsync(string origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "made_up",
                ["client_id"] = SpaClientId,
            }),
        }.From(origin);
        return await server.CreateApiClient().SendAsync(request);
    }
}
