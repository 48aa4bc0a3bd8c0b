using System.Net;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Telemetry;

/// <summary>
/// The IdentityServer's metrics as Prometheus scrapes them (in memory: the Host header names the management port):
/// each family moves when its behaviour happens, with the labels an operator filters by.
/// </summary>
public sealed class MetricsTests(MetricsTests.MeteredServer fixture) : IClassFixture<MetricsTests.MeteredServer>
{
    private const int SignInsPerAccount = 8;

    /// <summary>One server for the class: each test compares scrapes before and after what it does.</summary>
    public sealed class MeteredServer : IAsyncLifetime
    {
        public IdentityServerFactory Server { get; } = IdentityServerFactory.Create(
            IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(), new Dictionary<string, string?>
            {
                ["Management:Port"] = Scrape.ManagementPort.ToString(),
                ["Telemetry:ActiveSessionsInterval"] = "00:00:01",
                ["RateLimits:Policies:sign-in-per-account:PermitLimit"] = SignInsPerAccount.ToString(),
                ["RateLimits:Policies:sign-in-per-account:Window"] = "01:00:00",
            });

        public Task InitializeAsync() => Server.InitializeAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    private IdentityServerFactory Server => fixture.Server;

    private Task<Scrape> ScrapeAsync() => Scrape.InMemoryAsync(Server.CreateApiClient());

    [Fact]
    public async Task TokensIssued_ClientCredentials_CountedByGrantTypeAndClient()
    {
        var labels = new[] { ("grant_type", "client_credentials"), ("client_id", IdentityServerFactory.ThirdPartyClientId) };
        var before = (await ScrapeAsync()).Sum("redisjwt_tokens_issued_total", labels);

        await OAuth.ClientCredentialsAsync(Server.CreateApiClient(), "posts.read");
        await OAuth.ClientCredentialsAsync(Server.CreateApiClient(), "posts.read");

        var after = await ScrapeAsync();
        Assert.Equal(before + 2, after.Sum("redisjwt_tokens_issued_total", labels));
    }

    [Fact]
    public async Task TokensIssued_PasswordAndRefresh_CountedPerGrant()
    {
        var user = await Server.CreateUserAsync();
        var client = Server.CreateApiClient();
        var (_, refreshToken) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var before = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.RefreshAsync(client, refreshToken)).Status);

        var after = await ScrapeAsync();
        var refreshes = new[] { ("grant_type", "refresh_token"), ("client_id", AuthApiClient.ClientId) };
        Assert.Equal(before.Sum("redisjwt_tokens_issued_total", refreshes) + 1, after.Sum("redisjwt_tokens_issued_total", refreshes));
        Assert.True(after.Sum("redisjwt_tokens_issued_total", ("grant_type", "password"), ("client_id", AuthApiClient.ClientId)) >= 1);
    }

    [Fact]
    public async Task SignIns_WrongPasswordsUntilLockout_CountFailuresLockoutAndRefusals()
    {
        var user = await Server.CreateUserAsync();
        var client = Server.CreateApiClient();
        var before = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, "Str0ng!Password")).Status);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(client, user.Email!, "wrong-password")).Status);
        }

        // Locked now: even the right password is refused.
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(client, user.Email!, "Str0ng!Password")).Status);

        var after = await ScrapeAsync();
        Assert.Equal(1, after.Since(before, "redisjwt_signins_total", ("result", "success")));
        Assert.Equal(5, after.Since(before, "redisjwt_signins_total", ("result", "failure")));
        Assert.Equal(1, after.Since(before, "redisjwt_signins_total", ("result", "locked_out")));
        Assert.Equal(1, after.Since(before, "redisjwt_lockouts_total"));
    }

    [Fact]
    public async Task RateLimitRejections_SignInsOverTheLimit_CountedByPolicy()
    {
        var client = Server.CreateApiClient();
        var email = $"nobody-{Guid.NewGuid():N}@example.test";
        var before = await ScrapeAsync();

        for (var attempt = 0; attempt <= SignInsPerAccount; attempt++)
        {
            await AuthApiClient.LoginAsync(client, email, "whatever-it-is");
        }

        var after = await ScrapeAsync();
        Assert.Equal(1, after.Since(before, "redisjwt_ratelimit_rejections_total", ("policy", "sign-in-per-account"), ("reason", "limit")));
    }

    [Fact]
    public async Task Revocations_LogoutRevocationEndpointAndLogoutEverywhere_CountedByCause()
    {
        var user = await Server.CreateUserAsync();
        var client = Server.CreateApiClient();
        var before = await ScrapeAsync();

        var (firstAccess, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.LogoutAsync(client, firstAccess)).Status);

        var machineToken = await OAuth.ClientCredentialsAsync(client, "posts.read");
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsThirdPartyAsync(client, machineToken)).Status);

        var (secondAccess, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        Assert.Equal(HttpStatusCode.NoContent,
            (await AuthApiClient.SendAsync(client, HttpMethod.Delete, "/auth/sessions", bearer: secondAccess)).Status);

        var after = await ScrapeAsync();
        Assert.Equal(1, after.Since(before, "redisjwt_revocations_total", ("cause", "logout")));
        Assert.Equal(1, after.Since(before, "redisjwt_revocations_total", ("cause", "revocation_endpoint")));
        Assert.Equal(1, after.Since(before, "redisjwt_revocations_total", ("cause", "logout_everywhere")));
    }

    [Fact]
    public async Task Revocations_PasswordChange_CountedOnceWhenOtherSessionsEnd_NotWhenThereAreNone()
    {
        var user = await Server.CreateUserAsync();
        var client = Server.CreateApiClient();
        await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var (access, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        var before = await ScrapeAsync();

        // The other session ends before the change (and the sweep after it finds nothing more): one revocation.
        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(client, access, "Str0ng!Password", "An0ther!Password")).Status);
        var afterFirst = await ScrapeAsync();
        Assert.Equal(1, afterFirst.Since(before, "redisjwt_revocations_total", ("cause", "password_changed")));

        // From the only session left, nothing is revoked, so nothing is counted.
        Assert.Equal(HttpStatusCode.NoContent, (await ChangePasswordAsync(client, access, "An0ther!Password", "Th1rd!Password")).Status);
        Assert.Equal(0, (await ScrapeAsync()).Since(afterFirst, "redisjwt_revocations_total", ("cause", "password_changed")));
    }

    private static Task<TokenResponse> ChangePasswordAsync(HttpClient client, string access, string current, string next) =>
        AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password", new { currentPassword = current, newPassword = next }, access);

    [Fact]
    public async Task Revocations_RefreshTokenPresentedTwice_CountedAsReuse()
    {
        var user = await Server.CreateUserAsync();
        var client = Server.CreateApiClient();
        var (_, refreshToken) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.RefreshAsync(client, refreshToken)).Status);
        var before = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.RefreshAsync(client, refreshToken)).Status);

        Assert.Equal(1, (await ScrapeAsync()).Since(before, "redisjwt_revocations_total", ("cause", "refresh_token_reuse")));
    }

    [Fact]
    public async Task ActiveSessions_SignInsAndLogout_GaugeFollowsRedis()
    {
        var user = await Server.CreateUserAsync();
        var client = Server.CreateApiClient();
        var (access, _) = await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");
        await AuthApiClient.SignInAsync(client, user.Email!, "Str0ng!Password");

        // Recounted in the background after a scrape, at most every second here: scrape until it shows.
        var counted = 0.0;
        await Eventually.TrueAsync(async () => (counted = (await ScrapeAsync()).Sum("redisjwt_sessions_active")) >= 2);

        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.LogoutAsync(client, access)).Status);
        await Eventually.TrueAsync(async () => (await ScrapeAsync()).Sum("redisjwt_sessions_active") == counted - 1);
    }

    [Fact]
    public async Task Redis_ConnectionAndLatency_Reported()
    {
        // A rate-limited request records a Redis round trip.
        await AuthApiClient.LoginAsync(Server.CreateApiClient(), $"nobody-{Guid.NewGuid():N}@example.test", "whatever-it-is");

        var scrape = await ScrapeAsync();
        Assert.Equal(1, scrape.Sum("redisjwt_redis_connected"));
        Assert.True(scrape.Sum("redisjwt_redis_operation_duration_seconds_count", ("operation", "rate_limit")) >= 1);
    }

    [Fact]
    public async Task PostgresPool_ReportedByNpgsql()
    {
        await OAuth.ClientCredentialsAsync(Server.CreateApiClient(), "posts.read");

        var scrape = await ScrapeAsync();
        Assert.True(scrape.Sum("db_client_connection_max") > 0);
        Assert.Contains(scrape.Samples, sample => sample.Name == "db_client_connection_count"
            && sample.Labels.GetValueOrDefault("db_client_connection_state") is "idle" or "used");
    }

    [Fact]
    public async Task HttpServerDuration_ByRouteAndStatus()
    {
        var client = Server.CreateApiClient();
        await client.GetAsync("/.well-known/openid-configuration");
        await AuthApiClient.MeAsync(client, "not-a-token");

        // Recorded as the request ends, which the in-memory client can see a moment before.
        await Eventually.TrueAsync(async () => await ScrapeAsync() is var scrape
            && scrape.Sum("http_server_request_duration_seconds_count", ("http_response_status_code", "401"), ("http_route", "/auth/me")) >= 1
            && scrape.Sum("http_server_request_duration_seconds_count", ("http_response_status_code", "200")) >= 1);
    }

    [Fact]
    public async Task Metrics_OnThePublicPort_NotFound()
    {
        var response = await Server.CreateApiClient().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ManagementPort_OnlyMetricsAndHealth()
    {
        var client = Server.CreateApiClient();

        Assert.Equal(HttpStatusCode.NotFound, (await OnManagementPort(client, "/.well-known/openid-configuration")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await OnManagementPort(client, "/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await OnManagementPort(client, "/metrics")).StatusCode);
    }

    private static async Task<HttpResponseMessage> OnManagementPort(HttpClient client, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = $"localhost:{Scrape.ManagementPort}";
        return await client.SendAsync(request);
    }
}
