using System.Net;
using RedisJwt.IdentityServer.Tests.DeviceFlow;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Each push (RFC 9126) stores a request token and each device authorization request (RFC 8628) a device and a user
/// code, and a public client needs no secret for either: they draw on the client's token request allowance
/// (token-requests-per-client, per IP for a public client), so nobody fills the table without bound.
/// </summary>
public sealed class StoredRequestLimitTests : IAsyncLifetime
{
    private const int Allowance = 2;

    private readonly IdentityServerFactory _server = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>(DeviceRequests.DeviceClients)
    {
        ["RateLimits:Policies:token-requests-per-client:PermitLimit"] = Allowance.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task PublicClient_PushesOverItsAllowance_TooManyRequests_NoRequestUri()
    {
        using var client = _server.CreateApiClient();
        var answers = new List<TokenResponse>();
        for (var push = 0; push < Allowance + 1; push++)
        {
            answers.Add(await OAuth.PostAsync(client, "/connect/par", new Dictionary<string, string>
            {
                ["client_id"] = SpaClientId, ["redirect_uri"] = SpaRedirectUri, ["response_type"] = "code", ["scope"] = "openid",
                ["code_challenge"] = Pkce.Create().Challenge, ["code_challenge_method"] = "S256",
            }));
        }

        Assert.All(answers.Take(Allowance), answer => Assert.Equal(HttpStatusCode.Created, answer.Status));
        Assert.Equal((HttpStatusCode.TooManyRequests, "temporarily_unavailable"), (answers[^1].Status, answers[^1].Error));
        Assert.False(answers[^1].Json.TryGetProperty("request_uri", out _));
    }

    [Fact]
    public async Task PublicClient_DeviceRequestsOverItsAllowance_TooManyRequests_NoDeviceCode()
    {
        using var client = _server.CreateApiClient();
        var answers = new List<TokenResponse>();
        for (var request = 0; request < Allowance + 1; request++)
        {
            answers.Add(await DeviceRequests.AuthorizeDeviceAsync(client));
        }

        Assert.All(answers.Take(Allowance), answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        Assert.Equal((HttpStatusCode.TooManyRequests, "temporarily_unavailable"), (answers[^1].Status, answers[^1].Error));
        Assert.False(answers[^1].Json.TryGetProperty("device_code", out _));
    }
}
