using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.ClientAssertions.PrivateKeyJwtServers;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ClientAssertions;

/// <summary>
/// private_key_jwt (RFC 7523): the right assertion authenticates the client at every endpoint that authenticates
/// clients; an assertion wrong in exactly one way is refused, and never yields a token.
/// </summary>
public sealed class PrivateKeyJwtTests(PrivateKeyJwtServers servers) : IClassFixture<PrivateKeyJwtServers>
{
    private static readonly Dictionary<string, string> ClientCredentials = new() { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" };

    private ClientAssertionForge Forge => servers.Forge;

    [Fact]
    public async Task Token_RightAssertion_IssuesTokenForTheClient()
    {
        var response = await TokenAsync(Forge.Create(ClientId));

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal(ClientId, new JsonWebToken(response.Get("access_token")).Subject);
    }

    [Fact]
    public async Task Token_AssertionWithoutClientId_ClientFromIssuerAndStillSingleUse()
    {
        var form = ClientAssertionForge.Form(ClientId, Forge.Create(ClientId), ClientCredentials);
        form.Remove("client_id");

        var response = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/token", form);
        var again = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/token", form);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal("invalid_client", again.Error);
    }

    [Fact]
    public async Task Introspection_RightAssertion_Answers()
    {
        var token = (await TokenAsync(Forge.Create(ClientId))).Get("access_token");

        var response = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/introspect",
            ClientAssertionForge.Form(ClientId, Forge.Create(ClientId), new() { ["token"] = token }));

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.True(response.Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Revocation_RightAssertion_Revokes()
    {
        var token = (await TokenAsync(Forge.Create(ClientId))).Get("access_token");

        var response = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/revoke",
            ClientAssertionForge.Form(ClientId, Forge.Create(ClientId), new() { ["token"] = token }));

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        var introspection = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/introspect",
            ClientAssertionForge.Form(ClientId, Forge.Create(ClientId), new() { ["token"] = token }));
        Assert.False(introspection.Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task PushedAuthorization_RightAssertion_RequestUriIssued()
    {
        var response = await ParAsync(Forge.Create(ClientId));

        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
        Assert.StartsWith("urn:ietf:params:oauth:request_uri:", response.Get("request_uri"));
    }

    [Fact]
    public async Task PushedAuthorization_WrongAudience_Refused()
    {
        var response = await ParAsync(Forge.Create(ClientId, claims => claims["aud"] = DefaultIssuer + "connect/token"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("invalid_client", response.Error);
    }

    [Fact]
    public async Task DeviceAuthorization_RightAssertion_CodesIssued_ReplayRefused()
    {
        var assertion = Forge.Create(ClientId);

        var response = await DeviceAsync(assertion);
        var again = await DeviceAsync(assertion);

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.False(string.IsNullOrEmpty(response.Get("device_code")));
        Assert.Equal("invalid_client", again.Error);
        Assert.Contains("used before", again.Get("error_description"));
    }

    [Fact]
    public async Task DeviceAuthorization_SecretInsteadOfAssertion_Refused()
    {
        var response = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/device", new Dictionary<string, string>
        {
            ["client_id"] = ClientId,
            ["client_secret"] = "a-guess",
            ["scope"] = "openid posts.read",
        });

        Assert.Equal("invalid_client", response.Error);
        Assert.False(response.Json.TryGetProperty("device_code", out _));
    }

    public static TheoryData<string> Forgeries() =>
    [
        "wrong iss", "wrong sub", "aud is the token endpoint", "aud of another server", "aud two values", "expired", "no exp",
        "exp too far", "no jti", "alg none", "typ JWT", "unknown kid", "key not the client's",
    ];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Token_AssertionWrongInOneWay_Refused(string forgery)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var assertion = forgery switch
        {
            "wrong iss" => Forge.Create(ClientId, claims => claims["iss"] = ThirdPartyClientId),
            "wrong sub" => Forge.Create(ClientId, claims => claims["sub"] = ThirdPartyClientId),
            // Only the issuer identifier: an endpoint URL is what the audience injection attacks turn (RFC 7523bis).
            "aud is the token endpoint" => Forge.Create(ClientId, claims => claims["aud"] = DefaultIssuer + "connect/token"),
            "aud of another server" => Forge.Create(ClientId, claims => claims["aud"] = "https://other-server.example/"),
            "aud two values" => Forge.Create(ClientId, claims => claims["aud"] = new[] { DefaultIssuer, "https://other-server.example/" }),
            // Beyond the minute of clock skew.
            "expired" => Forge.Create(ClientId, claims => claims["exp"] = now - 120),
            "no exp" => Forge.Create(ClientId, claims => claims.Remove("exp")),
            "exp too far" => Forge.Create(ClientId, claims => claims["exp"] = now + 3600),
            "no jti" => Forge.Create(ClientId, claims => claims.Remove("jti")),
            "alg none" => Forge.Unsigned(ClientId),
            // OpenIddict 7 requires the explicit type of the RFC 7523 update.
            "typ JWT" => Forge.Create(ClientId, type: "JWT"),
            // The client's own key, under a kid it never registered.
            "unknown kid" => Forge.Create(ClientId, kid: "not-registered"),
            "key not the client's" => Forge.SignedByOtherKey(ClientId),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };

        var response = await TokenAsync(assertion);

        Assert.True(response.Status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"{forgery}: {response.Body}");
        // RFC 6749 5.2; OpenIddict answers a missing claim as invalid_request and iss/sub differing as invalid_grant.
        Assert.Equal(forgery switch { "no exp" => "invalid_request", "wrong sub" => "invalid_grant", _ => "invalid_client" }, response.Error);
        Assert.False(response.Json.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Token_ReplayedAssertion_RefusedAtTheSameAndTheOtherInstance()
    {
        var assertion = Forge.Create(ClientId);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(assertion)).Status);

        var again = await TokenAsync(assertion);
        var atOther = await OAuth.PostAsync(servers.Second.CreateClient(), "/connect/token",
            ClientAssertionForge.Form(ClientId, assertion, ClientCredentials));

        Assert.Equal("invalid_client", again.Error);
        Assert.Contains("used before", again.Get("error_description"));
        Assert.Equal("invalid_client", atOther.Error);
        Assert.Contains("used before", atOther.Get("error_description"));
    }

    [Fact]
    public async Task Token_ReplayedAtAnotherEndpoint_Refused()
    {
        var assertion = Forge.Create(ClientId);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(assertion)).Status);

        var introspection = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/introspect",
            ClientAssertionForge.Form(ClientId, assertion, new() { ["token"] = "anything" }));

        Assert.Equal("invalid_client", introspection.Error);
    }

    [Fact]
    public async Task Token_AssertionAndSecretTogether_Refused()
    {
        var form = ClientAssertionForge.Form(ClientId, Forge.Create(ClientId), ClientCredentials);
        form["client_secret"] = "anything";

        var response = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/token", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("invalid_request", response.Error);
    }

    [Fact]
    public async Task Token_PrivateKeyJwtClientPresentingASecret_Refused()
    {
        var response = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/token", ClientCredentials, (ClientId, "a-guessed-secret"));

        Assert.Equal("invalid_client", response.Error);
        Assert.Contains("private_key_jwt", response.Get("error_description"));
    }

    [Fact]
    public async Task Token_SecretClientPresentingAnAssertion_Refused()
    {
        var response = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/token",
            ClientAssertionForge.Form(ThirdPartyClientId, Forge.Create(ThirdPartyClientId), ClientCredentials));

        Assert.Equal("invalid_client", response.Error);
        Assert.False(response.Json.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Token_ClientSecretJwtWithTheSecret_Refused()
    {
        var response = await OAuth.PostAsync(servers.First.CreateClient(), "/connect/token",
            ClientAssertionForge.Form(ThirdPartyClientId, Forge.Hmac(ThirdPartyClientId, ThirdPartySecret), ClientCredentials));

        Assert.Equal("invalid_client", response.Error);
        Assert.False(response.Json.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Discovery_PrivateKeyJwtWithAsymmetricAlgorithms_NeverClientSecretJwt()
    {
        var discovery = System.Text.Json.JsonDocument.Parse(
            await servers.First.CreateClient().GetStringAsync("/.well-known/openid-configuration")).RootElement;

        foreach (var endpoint in new[] { "token_endpoint", "introspection_endpoint", "revocation_endpoint" })
        {
            var methods = discovery.GetProperty($"{endpoint}_auth_methods_supported").EnumerateArray().Select(method => method.GetString()).ToList();
            Assert.Contains("private_key_jwt", methods);
            Assert.DoesNotContain("client_secret_jwt", methods);
            var algorithms = discovery.GetProperty($"{endpoint}_auth_signing_alg_values_supported").EnumerateArray().Select(alg => alg.GetString()).ToList();
            Assert.Contains("RS256", algorithms);
            Assert.Contains("ES256", algorithms);
            Assert.DoesNotContain(algorithms, alg => alg!.StartsWith("HS", StringComparison.Ordinal) || alg == "none");
        }
    }

    private Task<TokenResponse> TokenAsync(string assertion) =>
        OAuth.PostAsync(servers.First.CreateClient(), "/connect/token", ClientAssertionForge.Form(ClientId, assertion, ClientCredentials));

    private Task<TokenResponse> DeviceAsync(string assertion) =>
        OAuth.PostAsync(servers.First.CreateClient(), "/connect/device",
            ClientAssertionForge.Form(ClientId, assertion, new() { ["scope"] = "openid posts.read" }));

    private Task<TokenResponse> ParAsync(string assertion) =>
        OAuth.PostAsync(servers.First.CreateClient(), "/connect/par", ClientAssertionForge.Form(ClientId, assertion, new()
        {
            ["response_type"] = "code",
            ["redirect_uri"] = RedirectUri,
            ["scope"] = "openid posts.read",
            ["code_challenge"] = Pkce.Create().Challenge,
            ["code_challenge_method"] = "S256",
            ["state"] = "state-1",
        }));
}
