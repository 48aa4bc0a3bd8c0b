using System.Net;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 4 (issue 17): client authentication was not rate limited, so a flood of wrong secrets burned a
/// PBKDF2 hash each and could guess a weak secret, and any client could revoke without bound. Now authentications that
/// cost a hash (or an unknown client's lookup) take a permit first, per IP and per client and IP, across instances; a
/// secret already seen to match costs and counts nothing; revocations are limited per client.
/// </summary>
public sealed class ClientAuthenticationLimitTests : IAsyncLifetime
{
    private const int PerClientAndIp = 3;
    private const int PerIp = 6;
    private const int Revocations = 3;
    private const string Attacker = "203.0.113.7";
    private const string RealClient = "198.51.100.4";

    private static readonly Dictionary<string, string?> Limits = new()
    {
        ["RateLimits:Policies:client-auth-per-client-ip:PermitLimit"] = PerClientAndIp.ToString(),
        ["RateLimits:Policies:client-auth-per-client-ip:Window"] = "01:00:00",
        ["RateLimits:Policies:client-auth-per-ip:PermitLimit"] = PerIp.ToString(),
        ["RateLimits:Policies:client-auth-per-ip:Window"] = "01:00:00",
        ["RateLimits:Policies:revocations-per-client:PermitLimit"] = Revocations.ToString(),
        ["RateLimits:Policies:revocations-per-client:Window"] = "01:00:00",
        // The test's requests come through "a proxy" on loopback, which says who the client is.
        ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
    };

    private readonly TwoIdentityServers _servers = new(Limits);

    public Task InitializeAsync() => _servers.InitializeAsync();

    public Task DisposeAsync() => _servers.DisposeAsync();

    [Fact]
    public async Task WrongSecrets_FromOneAddress_LimitedAcrossInstances_TheRealClientElsewhereUnaffected()
    {
        var answers = new List<TokenResponse>();
        for (var attempt = 0; attempt < PerClientAndIp + 2; attempt++)
        {
            answers.Add(await ClientCredentialsAsync(_servers.Alternate(attempt), Attacker, $"guess-{attempt}"));
        }

        Assert.All(answers.Take(PerClientAndIp), answer => Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), (answer.Status, answer.Error)));
        Assert.All(answers.Skip(PerClientAndIp), AssertTooMany);
        // Refused before the secret is checked: from that address, even the right one.
        AssertTooMany(await ClientCredentialsAsync(_servers.First, Attacker, ThirdPartySecret));

        foreach (var server in new[] { _servers.First, _servers.Second, _servers.First })
        {
            Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(server, RealClient, ThirdPartySecret)).Status);
        }
    }

    [Fact]
    public async Task ManyClientsTried_FromOneAddress_PerIpLimit()
    {
        const string sprayer = "203.0.113.8";
        var answers = new List<TokenResponse>();
        for (var attempt = 0; attempt < PerIp + 1; attempt++)
        {
            // Made-up clients cost a database lookup each; real ones a hash.
            var clientId = attempt % 2 == 0 ? $"made-up-{attempt}" : BoardApiClientId;
            answers.Add(await PostAsync(_servers.Alternate(attempt), "/connect/introspect", sprayer,
                new Dictionary<string, string> { ["token"] = "x" }, (clientId, $"guess-{attempt}")));
        }

        Assert.All(answers.Take(PerIp), answer => Assert.Equal("invalid_client", answer.Error));
        AssertTooMany(answers[^1]);
    }

    [Fact]
    public async Task RightSecret_SeenBefore_NeverCounted()
    {
        const string resourceServer = "198.51.100.5";
        for (var request = 0; request < PerClientAndIp * 3; request++)
        {
            var server = _servers.Alternate(request);
            var token = await OAuth.ClientCredentialsAsync(server.CreateApiClient(), "posts.read");
            var answer = await PostAsync(server, "/connect/introspect", resourceServer,
                new Dictionary<string, string> { ["token"] = token }, (BoardApiClientId, BoardApiSecret));
            Assert.Equal(HttpStatusCode.OK, answer.Status);
            Assert.True(answer.Json.GetProperty("active").GetBoolean());
        }
    }

    [Fact]
    public async Task Revocations_OverThePerClientLimit_TooManyRequests()
    {
        var answers = new List<TokenResponse>();
        for (var attempt = 0; attempt < Revocations + 1; attempt++)
        {
            // Each instance has an issuer of its own here: a token is revoked where it was issued.
            var server = _servers.Alternate(attempt);
            var token = await OAuth.ClientCredentialsAsync(server.CreateApiClient(), "posts.read");
            answers.Add(await PostAsync(server, "/connect/revoke", RealClient,
                new Dictionary<string, string> { ["token"] = token }, (ThirdPartyClientId, ThirdPartySecret)));
        }

        Assert.All(answers.Take(Revocations), answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        AssertTooMany(answers[^1]);
    }

    [Fact]
    public async Task WrongSecrets_AtThePushedAuthorizationEndpoint_LimitedLikeAtTheTokenEndpoint()
    {
        const string guesser = "203.0.113.9";
        var answers = new List<TokenResponse>();
        for (var attempt = 0; attempt < PerClientAndIp + 1; attempt++)
        {
            answers.Add(await PostAsync(_servers.Alternate(attempt), "/connect/par", guesser, new Dictionary<string, string>
            {
                ["redirect_uri"] = ThirdPartyRedirectUri, ["response_type"] = "code", ["scope"] = "openid",
                ["code_challenge"] = Pkce.Create().Challenge, ["code_challenge_method"] = "S256",
            }, (ThirdPartyClientId, $"wrong-{attempt}")));
        }

        Assert.All(answers.Take(PerClientAndIp), answer => Assert.Equal("invalid_client", answer.Error));
        AssertTooMany(answers[^1]);
    }

    private static Task<TokenResponse> ClientCredentialsAsync(IdentityServerFactory server, string ip, string secret) =>
        PostAsync(server, "/connect/token", ip, new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = "posts.read",
        }, (ThirdPartyClientId, secret));

    private static async Task<TokenResponse> PostAsync(IdentityServerFactory server, string path, string ip,
        Dictionary<string, string> form, (string Id, string Secret) client)
    {
        var http = server.CreateApiClient();
        http.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        return await OAuth.PostAsync(http, path, form, client);
    }

    private static void AssertTooMany(TokenResponse answer)
    {
        Assert.Equal((HttpStatusCode.TooManyRequests, "temporarily_unavailable"), (answer.Status, answer.Error));
        Assert.InRange(int.Parse(answer.Headers!.RetryAfter!.ToString()), 1, 3600);
    }
}
