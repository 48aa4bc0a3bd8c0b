using System.Net;
using System.Text.Json;
using RedisJwt.Testing;
using static RedisJwt.Testing.DPoPTokenRequests;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.DPoP;

/// <summary>
/// DPoP at the token endpoint (RFC 9449), on two instances of one deployment: nonces shared through Redis, tokens bound
/// to the proof's key, refresh tokens and codes redeemable only with that key.
/// </summary>
public sealed class DPoPTokenTests(DPoPTokenTests.Servers servers) : IClassFixture<DPoPTokenTests.Servers>
{
    private const string RequiringClientId = "dpop-machine";
    private const string RequiringSecret = "test-dpop-machine-secret";

    /// <summary>The demo clients, and a machine client registered with dpop_bound_access_tokens.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        public TwoIdentityServers Pair { get; } = new(new Dictionary<string, string?>
        {
            [$"Seed:Clients:{RequiringClientId}:Type"] = "confidential",
            [$"Seed:Clients:{RequiringClientId}:Secret"] = RequiringSecret,
            [$"Seed:Clients:{RequiringClientId}:GrantTypes:0"] = "client_credentials",
            [$"Seed:Clients:{RequiringClientId}:Scopes:0"] = "posts.read",
            [$"Seed:Clients:{RequiringClientId}:RequireDPoP"] = "true",
        });

        public Task InitializeAsync() => Pair.InitializeAsync();

        public Task DisposeAsync() => Pair.DisposeAsync();
    }

    private static Dictionary<string, string> ClientCredentials => new()
    {
        ["grant_type"] = "client_credentials",
        ["scope"] = "posts.read",
    };

    private IdentityServerFactory First => servers.Pair.First;

    private IdentityServerFactory Second => servers.Pair.Second;

    [Fact]
    public async Task ClientCredentials_ProofWithoutNonce_UseDPoPNonce_ThenBoundDPoPToken()
    {
        using var key = DPoPKey.CreateEs256();

        var challenge = await PostAsync(First, ClientCredentials, key, nonce: null, (ThirdPartyClientId, ThirdPartySecret));
        Assert.Equal((HttpStatusCode.BadRequest, "use_dpop_nonce"), (challenge.Status, challenge.Error));

        var tokens = await PostAsync(First, ClientCredentials, key, NonceOf(challenge), (ThirdPartyClientId, ThirdPartySecret));
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.Equal("DPoP", tokens.Get("token_type"));
        Assert.Equal(key.Thumbprint, BoundKeyOf(tokens.Get("access_token")));
        // The next proof's nonce comes with the tokens (RFC 9449 8.2).
        Assert.Equal(NonceOf(challenge), NonceOf(tokens));
    }

    [Fact]
    public async Task Nonce_GivenByOneInstance_AcceptedByTheOther()
    {
        using var key = DPoPKey.CreateEs256();
        var challenge = await PostAsync(First, ClientCredentials, key, nonce: null, (ThirdPartyClientId, ThirdPartySecret));

        var tokens = await PostAsync(Second, ClientCredentials, key, NonceOf(challenge), (ThirdPartyClientId, ThirdPartySecret));

        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        Assert.Equal(key.Thumbprint, BoundKeyOf(tokens.Get("access_token")));
    }

    [Fact]
    public async Task Nonce_MadeUp_UseDPoPNonceAgain()
    {
        using var key = DPoPKey.CreateEs256();

        var answer = await PostAsync(First, ClientCredentials, key, nonce: "a-nonce-the-server-never-gave",
            (ThirdPartyClientId, ThirdPartySecret));

        Assert.Equal("use_dpop_nonce", answer.Error);
    }

    [Fact]
    public async Task Proof_ForAnotherUrl_InvalidDPoPProof()
    {
        using var key = DPoPKey.CreateEs256();
        var nonce = NonceOf(await PostAsync(First, ClientCredentials, key, null, (ThirdPartyClientId, ThirdPartySecret)));
        var elsewhere = key.Proof("POST", new Uri(First.Issuer, "connect/introspect").ToString(), nonce: nonce);

        var answer = await PostAsync(First, ClientCredentials, key, nonce, (ThirdPartyClientId, ThirdPartySecret), proof: elsewhere);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_dpop_proof"), (answer.Status, answer.Error));
    }

    [Fact]
    public async Task Proof_Replayed_InvalidDPoPProof()
    {
        using var key = DPoPKey.CreateEs256();
        var nonce = NonceOf(await PostAsync(First, ClientCredentials, key, null, (ThirdPartyClientId, ThirdPartySecret)));
        var proof = key.Proof("POST", TokenEndpoint(First), nonce: nonce);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(First, ClientCredentials, key, nonce, (ThirdPartyClientId, ThirdPartySecret), proof)).Status);

        // Each instance here is its own URL (its port), where a proof for the other fails htu anyway; across instances
        // behind one URL the jti is caught the same way, through Redis (BoardApi's tests replay one at two instances).
        var replay = await PostAsync(First, ClientCredentials, key, nonce, (ThirdPartyClientId, ThirdPartySecret), proof);

        Assert.Equal("invalid_dpop_proof", replay.Error);
    }

    [Fact]
    public async Task RequiringClient_NoProof_InvalidDPoPProof_WithProof_Token()
    {
        var refused = await PostAsync(First, ClientCredentials, key: null, nonce: null, (RequiringClientId, RequiringSecret));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_dpop_proof"), (refused.Status, refused.Error));

        using var key = DPoPKey.CreateEs256();
        var tokens = await WithNonceAsync(First, ClientCredentials, key, (RequiringClientId, RequiringSecret));
        Assert.Equal("DPoP", tokens.Get("token_type"));
    }

    [Fact]
    public async Task NoProof_BearerTokenWithoutCnf()
    {
        var tokens = await PostAsync(First, ClientCredentials, key: null, nonce: null, (ThirdPartyClientId, ThirdPartySecret));

        Assert.Equal("Bearer", tokens.Get("token_type"));
        Assert.Null(BoundKeyOf(tokens.Get("access_token")));
        Assert.False(tokens.Headers!.Contains("DPoP-Nonce"));
    }

    [Fact]
    public async Task Introspection_BoundToken_AnswersCnf()
    {
        using var key = DPoPKey.CreateEs256();
        var tokens = await WithNonceAsync(First, ClientCredentials, key, (ThirdPartyClientId, ThirdPartySecret));

        var introspection = await OAuth.IntrospectAsync(First.CreateApiClient(), tokens.Get("access_token"));

        Assert.True(introspection.Json.GetProperty("active").GetBoolean());
        Assert.Equal(key.Thumbprint, introspection.Json.GetProperty("cnf").GetProperty("jkt").GetString());
    }

    [Fact]
    public async Task Discovery_AdvertisesDPoPAlgorithms()
    {
        var discovery = JsonDocument.Parse(await First.CreateApiClient().GetStringAsync("/.well-known/openid-configuration")).RootElement;

        var algorithms = discovery.GetProperty("dpop_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("ES256", algorithms);
        Assert.DoesNotContain("HS256", algorithms);
        Assert.DoesNotContain("none", algorithms);
    }

    [Fact]
    public async Task SpaRefreshToken_BoundToTheKey_RefusedWithoutItOrWithAnother_WorksWithIt()
    {
        using var key = DPoPKey.CreateEs256();
        var signedIn = await SignedInWithProofAsync(First, key);
        Assert.Equal(key.Thumbprint, BoundKeyOf(signedIn.Get("access_token")));
        var refresh = Refresh(signedIn.Get("refresh_token"));

        // A thief with the refresh token: no proof, or a good proof of their own key. Neither spends the token.
        var noProof = await PostAsync(First, refresh, key: null, nonce: null);
        Assert.Equal("invalid_grant", noProof.Error);
        Assert.Contains("DPoP", noProof.Get("error_description"));
        using var thief = DPoPKey.CreateEs256();
        var otherKey = await WithNonceAsync(First, refresh, thief);
        Assert.Equal("invalid_grant", otherKey.Error);
        Assert.Contains("DPoP", otherKey.Get("error_description"));

        var refreshed = await WithNonceAsync(First, refresh, key);
        Assert.Equal(HttpStatusCode.OK, refreshed.Status);
        Assert.Equal(key.Thumbprint, BoundKeyOf(refreshed.Get("access_token")));
        Assert.Equal("DPoP", refreshed.Get("token_type"));
    }

    [Fact]
    public async Task Code_BoundWithDPoPJkt_RedeemedOnlyWithThatKey()
    {
        using var key = DPoPKey.CreateEs256();
        using var thief = DPoPKey.CreateEs256();
        var (code, pkce) = await AuthorizeAsync(First, extra: $"&dpop_jkt={key.Thumbprint}");

        var stolen = await WithNonceAsync(First, Redeem(code, pkce), thief);
        Assert.Equal("invalid_grant", stolen.Error);

        var redeemed = await WithNonceAsync(First, Redeem(code, pkce), key);
        Assert.Equal(HttpStatusCode.OK, redeemed.Status);
    }

    [Fact]
    public async Task Push_WithAProof_BindsTheCodeToItsKey()
    {
        using var key = DPoPKey.CreateEs256();
        using var thief = DPoPKey.CreateEs256();
        var browser = First.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var push = new HttpRequestMessage(HttpMethod.Post, "/connect/par")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = SpaClientId, ["redirect_uri"] = SpaRedirectUri, ["response_type"] = "code",
                ["scope"] = "openid offline_access posts.read", ["code_challenge"] = pkce.Challenge, ["code_challenge_method"] = "S256",
            }),
        };
        push.Headers.Add("DPoP", key.Proof("POST", new Uri(First.Issuer, "connect/par").ToString()));
        var pushed = await TokenResponse.ReadAsync(await browser.Client.SendAsync(push));
        Assert.True(pushed.Status == HttpStatusCode.Created, pushed.Body);
        var (code, _) = await OAuth.AuthorizeAsync(browser,
            $"/connect/authorize?client_id={SpaClientId}&request_uri={Uri.EscapeDataString(pushed.Get("request_uri"))}");

        Assert.Equal("invalid_grant", (await WithNonceAsync(First, Redeem(code, pkce), thief)).Error);
        Assert.Equal(HttpStatusCode.OK, (await WithNonceAsync(First, Redeem(code, pkce), key)).Status);
    }

    [Fact]
    public async Task Push_ProofAndDPoPJktOfAnotherKey_InvalidDPoPProof()
    {
        using var key = DPoPKey.CreateEs256();
        using var other = DPoPKey.CreateEs256();
        var push = new HttpRequestMessage(HttpMethod.Post, "/connect/par")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = SpaClientId, ["redirect_uri"] = SpaRedirectUri, ["response_type"] = "code", ["scope"] = "openid",
                ["code_challenge"] = Pkce.Create().Challenge, ["code_challenge_method"] = "S256", ["dpop_jkt"] = other.Thumbprint,
            }),
        };
        push.Headers.Add("DPoP", key.Proof("POST", new Uri(First.Issuer, "connect/par").ToString()));

        var pushed = await TokenResponse.ReadAsync(await First.CreateApiClient().SendAsync(push));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_dpop_proof"), (pushed.Status, pushed.Error));
    }

    [Fact]
    public async Task Authorize_MalformedDPoPJkt_InvalidRequest()
    {
        var browser = First.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);

        var (_, callback) = await OAuth.AuthorizeAsync(browser,
            OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid", Pkce.Create()) + "&dpop_jkt=not-a-thumbprint");

        Assert.Equal("invalid_request", callback.GetValueOrDefault("error"));
    }

    private static async Task<TokenResponse> SignedInWithProofAsync(IdentityServerFactory server, DPoPKey key)
    {
        var (code, pkce) = await AuthorizeAsync(server);
        var tokens = await WithNonceAsync(server, Redeem(code, pkce), key);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        return tokens;
    }

    private static async Task<(string Code, Pkce Pkce)> AuthorizeAsync(IdentityServerFactory server, string extra = "")
    {
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, DemoEmail, DemoPassword);
        var pkce = Pkce.Create();
        var (code, callback) = await OAuth.AuthorizeAsync(browser,
            OAuth.AuthorizeUrl(SpaClientId, SpaRedirectUri, "openid offline_access posts.read", pkce) + extra);
        Assert.True(code.Length > 0, string.Join(", ", callback));
        return (code, pkce);
    }

    private static Dictionary<string, string> Redeem(string code, Pkce pkce) => new()
    {
        ["grant_type"] = "authorization_code",
        ["code"] = code,
        ["redirect_uri"] = SpaRedirectUri,
        ["code_verifier"] = pkce.Verifier,
        ["client_id"] = SpaClientId,
    };

    private static Dictionary<string, string> Refresh(string refreshToken) => new()
    {
        ["grant_type"] = "refresh_token",
        ["refresh_token"] = refreshToken,
        ["client_id"] = SpaClientId,
    };
}
