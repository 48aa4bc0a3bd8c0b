using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// The IdentityServer's limits hold across instances (counted in Redis), answer 429 with Retry-After in the form
/// each endpoint speaks (OAuth error at the token endpoint, problem details at /auth, a message on the pages), and
/// stop an attempt before any password is checked.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private const int SignInsPerAccount = 3;
    // Above the sign-in test's 6 requests: /auth/login is a token request of the first-party client too.
    private const int TokenRequestsPerClient = 8;
    private const int RegistrationsPerIp = 2;
    private const int SignInsPerIp = 8;

    private static readonly Dictionary<string, string?> SmallLimits = new()
    {
        ["RateLimits:Policies:sign-in-per-account:PermitLimit"] = SignInsPerAccount.ToString(),
        ["RateLimits:Policies:sign-in-per-account:Window"] = "01:00:00",
        ["RateLimits:Policies:token-requests-per-client:PermitLimit"] = TokenRequestsPerClient.ToString(),
        ["RateLimits:Policies:token-requests-per-client:Window"] = "01:00:00",
        ["RateLimits:Policies:registrations-per-ip:PermitLimit"] = RegistrationsPerIp.ToString(),
        ["RateLimits:Policies:registrations-per-ip:Window"] = "01:00:00",
        ["RateLimits:Policies:sign-in-per-ip:PermitLimit"] = SignInsPerIp.ToString(),
        ["RateLimits:Policies:sign-in-per-ip:Window"] = "01:00:00",
    };

    private readonly TwoIdentityServers _servers = new(SmallLimits);

    private IdentityServerFactory First => _servers.First;

    public Task InitializeAsync() => _servers.InitializeAsync();

    public Task DisposeAsync() => _servers.DisposeAsync();

    private HttpClient Client(int attempt) => _servers.Alternate(attempt).CreateApiClient();

    [Fact]
    public async Task SignIn_AcrossTwoInstances_PermitLimitInTotalThenTooManyRequests()
    {
        var user = await First.CreateUserAsync();
        var responses = new List<TokenResponse>();
        for (var attempt = 0; attempt < SignInsPerAccount + 3; attempt++)
        {
            // Wrong passwords and a different spelling of the email: all one account's attempts.
            var email = attempt % 3 == 0 ? user.Email!.ToUpperInvariant() : user.Email!;
            responses.Add(await AuthApiClient.LoginAsync(Client(attempt), email, "Wr0ng!Password"));
        }

        Assert.Equal(SignInsPerAccount, responses.Count(response => response.Status == HttpStatusCode.BadRequest));
        var refused = responses.Where(response => response.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(3, refused.Count);
        Assert.All(refused, response =>
        {
            Assert.Equal("application/problem+json", response.ContentType);
            Assert.InRange(int.Parse(response.Headers!.RetryAfter!.ToString()), 1, 3600);
        });

        // The limit stopped the attempts before the password check: the account saw 3 failures, not 6.
        var stored = await First.WithScopeAsync(services =>
            services.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.ApplicationUser>>().FindByIdAsync(user.Id));
        Assert.Equal(SignInsPerAccount, stored!.AccessFailedCount);

        // Another account is not affected.
        var other = await First.CreateUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(Client(1), other.Email!, "Str0ng!Password")).Status);
    }

    [Fact]
    public async Task SignIn_ManyAccountsFromOneAddress_PerIpLimitAtEveryDoor()
    {
        // Password spraying: one attempt per account, through /auth/login and the password grant alike.
        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < SignInsPerIp + 1; attempt++)
        {
            var email = $"spray-{attempt}@example.test";
            statuses.Add(attempt % 2 == 0
                ? (await AuthApiClient.LoginAsync(Client(attempt), email, "Wr0ng!Password")).Status
                : (await OAuth.PostAsync(Client(attempt), "/connect/token", new Dictionary<string, string>
                {
                    ["grant_type"] = "password",
                    ["client_id"] = AuthApiClient.ClientId,
                    ["username"] = email,
                    ["password"] = "Wr0ng!Password",
                })).Status);
        }

        Assert.All(statuses.Take(SignInsPerIp), status => Assert.Equal(HttpStatusCode.BadRequest, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    [Fact]
    public async Task TokenEndpoint_WrongSecretsInAClientsName_DoNotUseUpItsAllowance()
    {
        for (var attempt = 0; attempt < TokenRequestsPerClient + 2; attempt++)
        {
            var forged = await OAuth.PostAsync(Client(attempt), "/connect/token",
                new Dictionary<string, string> { ["grant_type"] = "client_credentials" },
                (IdentityServerFactory.ThirdPartyClientId, "not-the-secret"));
            Assert.Equal("invalid_client", forged.Error);
        }

        Assert.False(string.IsNullOrEmpty(await OAuth.ClientCredentialsAsync(Client(0), "posts.read")));
    }

    [Fact]
    public async Task LoginPage_OverAccountLimit_TooManyRequestsWithMessage()
    {
        var email = $"nobody-{Guid.NewGuid():N}@example.test";
        for (var attempt = 0; attempt < SignInsPerAccount; attempt++)
        {
            var page = await OAuth.SubmitLoginAsync(First.CreateBrowser(), email, "Wr0ng!Password");
            Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
        }

        var refused = await OAuth.SubmitLoginAsync(_servers.Second.CreateBrowser(), email, "Wr0ng!Password");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Response.StatusCode);
        Assert.Contains("Too many attempts", refused.Body);
        Assert.NotNull(refused.Response.Headers.RetryAfter);
    }

    [Fact]
    public async Task TokenEndpoint_OverClientLimit_OAuthErrorWithRetryAfter()
    {
        var statuses = new List<TokenResponse>();
        for (var attempt = 0; attempt < TokenRequestsPerClient + 1; attempt++)
        {
            statuses.Add(await OAuth.PostAsync(Client(attempt), "/connect/token",
                new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" },
                (IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret)));
        }

        Assert.All(statuses.Take(TokenRequestsPerClient), response => Assert.Equal(HttpStatusCode.OK, response.Status));
        var refused = statuses[^1];
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("application/json", refused.ContentType);
        Assert.Equal("temporarily_unavailable", refused.Error);
        Assert.NotNull(refused.Headers!.RetryAfter);
        Assert.True(refused.Headers.CacheControl!.NoStore);

        // Counted per client: another client still gets tokens, and so do the first-party app's users.
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(Client(0), (await First.CreateUserAsync()).Email!, "Str0ng!Password")).Status);
        var otherClient = await OAuth.PostAsync(Client(0), "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
        }, (IdentityServerFactory.BoardApiClientId, IdentityServerFactory.BoardApiSecret));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, otherClient.Status);
    }

    [Fact]
    public async Task Register_OverIpLimit_TooManyRequestsProblem()
    {
        var responses = new List<TokenResponse>();
        for (var attempt = 0; attempt < RegistrationsPerIp + 1; attempt++)
        {
            responses.Add(await AuthApiClient.SendAsync(Client(attempt), HttpMethod.Post, "/auth/register", new
            {
                email = $"new-{Guid.NewGuid():N}@example.test",
                password = "Str0ng!Password",
                displayName = "New",
                birthdate = "1990-01-01",
            }));
        }

        Assert.All(responses.Take(RegistrationsPerIp), response => Assert.Equal(HttpStatusCode.Accepted, response.Status));
        Assert.Equal(HttpStatusCode.TooManyRequests, responses[^1].Status);
        Assert.Equal("application/problem+json", responses[^1].ContentType);
        Assert.NotNull(responses[^1].Headers!.RetryAfter);
    }
}
