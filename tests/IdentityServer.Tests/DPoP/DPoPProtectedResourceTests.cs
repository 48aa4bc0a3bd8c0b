using System.Net;
using System.Net.Http.Headers;
using RedisJwt.Testing;
using static RedisJwt.Testing.DPoPTokenRequests;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DPoP;

/// <summary>
/// The IdentityServer's own protected resources, userinfo and the account API (/auth/me), take a DPoP-bound token only
/// with a fresh proof of its key (RFC 9449 7); the token alone, lifted by a thief, is refused.
/// </summary>
public sealed class DPoPProtectedResourceTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    public static TheoryData<string> Resources => ["/connect/userinfo", "/auth/me"];

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task BoundToken_WithProof_Served(string path)
    {
        using var key = DPoPKey.CreateEs256();
        var token = await BoundTokenAsync(key);

        using var response = await GetAsync(path, "DPoP", token, key.Proof("GET", Url(path), token));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task BoundToken_AsBearer_InvalidTokenInTheDPoPScheme(string path)
    {
        using var key = DPoPKey.CreateEs256();
        var token = await BoundTokenAsync(key);

        using var response = await GetAsync(path, "Bearer", token, proof: null);

        AssertDPoPChallenge(response, "invalid_token");
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task BoundToken_WithoutProof_OrWithAThiefsProof_InvalidDPoPProof(string path)
    {
        using var key = DPoPKey.CreateEs256();
        using var thief = DPoPKey.CreateEs256();
        var token = await BoundTokenAsync(key);

        using var noProof = await GetAsync(path, "DPoP", token, proof: null);
        using var thiefsProof = await GetAsync(path, "DPoP", token, thief.Proof("GET", Url(path), token));

        AssertDPoPChallenge(noProof, "invalid_dpop_proof");
        AssertDPoPChallenge(thiefsProof, "invalid_dpop_proof");
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task Proof_Replayed_InvalidDPoPProof(string path)
    {
        using var key = DPoPKey.CreateEs256();
        var token = await BoundTokenAsync(key);
        var proof = key.Proof("GET", Url(path), token);
        using var first = await GetAsync(path, "DPoP", token, proof);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var replay = await GetAsync(path, "DPoP", token, proof);

        AssertDPoPChallenge(replay, "invalid_dpop_proof");
    }

    [Fact]
    public async Task UnboundToken_AsDPoP_InvalidToken()
    {
        using var key = DPoPKey.CreateEs256();
        var spa = await SignedInSpa.StartAsync(server, "openid profile account");

        using var response = await GetAsync("/connect/userinfo", "DPoP", spa.AccessToken, key.Proof("GET", Url("/connect/userinfo"), spa.AccessToken));

        AssertDPoPChallenge(response, "invalid_token");
    }

    [Fact]
    public async Task Revocation_OfABoundToken_Accepted()
    {
        using var key = DPoPKey.CreateEs256();
        var token = await BoundTokenAsync(key);

        var revoked = await OAuth.RevokeAsSpaAsync(server.CreateApiClient(), token);

        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        using var after = await GetAsync("/connect/userinfo", "DPoP", token, key.Proof("GET", Url("/connect/userinfo"), token));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task AuthApi_LoginAndRefresh_ProofsNameTheAuthUrls_RefreshTokenBoundToTheKey()
    {
        using var key = DPoPKey.CreateEs256();
        var login = new { email = DemoEmail, password = DemoPassword };

        // The proof names the URL the client posts to (RFC 9449 4.2), not the token endpoint it is translated to.
        var challenge = await AuthPostAsync("/auth/login", login, key.Proof("POST", Url("/auth/login")));
        var nonce = NonceOf(challenge);
        var tokens = await AuthPostAsync("/auth/login", login, key.Proof("POST", Url("/auth/login"), nonce: nonce));
        Assert.True(tokens.Status == HttpStatusCode.OK, tokens.Body);
        Assert.Equal(key.Thumbprint, BoundKeyOf(tokens.Get("access_token")));
        var refresh = new Dictionary<string, string> { ["refresh_token"] = tokens.Get("refresh_token") };

        var withoutProof = await AuthPostAsync("/auth/refresh", refresh, proof: null);
        Assert.NotEqual(HttpStatusCode.OK, withoutProof.Status);
        Assert.Contains("DPoP key", withoutProof.Body);

        var refreshed = await AuthPostAsync("/auth/refresh", refresh, key.Proof("POST", Url("/auth/refresh"), nonce: nonce));
        Assert.True(refreshed.Status == HttpStatusCode.OK, refreshed.Body);
        Assert.Equal(key.Thumbprint, BoundKeyOf(refreshed.Get("access_token")));
    }

    private async Task<TokenResponse> AuthPostAsync(string path, object body, string? proof)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        if (proof is not null)
        {
            request.Headers.Add("DPoP", proof);
        }

        using var response = await server.CreateApiClient().SendAsync(request);
        return await TokenResponse.ReadAsync(response);
    }

    private string Url(string path) => new Uri(server.Issuer, path).ToString();

    private async Task<string> BoundTokenAsync(DPoPKey key)
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid profile account", pkce));
        var tokens = await WithNonceAsync(server, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = SpaRedirectUri,
            ["code_verifier"] = pkce.Verifier, ["client_id"] = SpaClientId,
        }, key);
        Assert.Equal(key.Thumbprint, BoundKeyOf(tokens.Get("access_token")));
        return tokens.Get("access_token");
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string scheme, string token, string? proof)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue(scheme, token);
        if (proof is not null)
        {
            request.Headers.Add("DPoP", proof);
        }

        return await server.CreateApiClient().SendAsync(request);
    }

    private static void AssertDPoPChallenge(HttpResponseMessage response, string error)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("DPoP", challenge.Scheme);
        Assert.Contains($"error=\"{error}\"", challenge.Parameter);
        Assert.Contains("algs=\"", challenge.Parameter);
    }
}
