using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Text.Json;
using System.Text.RegularExpressions;
using RedisJwt.Testing;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>
/// One IdentityServer and one BoardApi process, each with a management port of its own; BoardApi also exports over
/// OTLP (http/protobuf) to a stand-in collector.
/// </summary>
public sealed class MeteredDeployment : Deployment
{
    private readonly int _collectorPort = IdentityServerFactory.FreeLoopbackPort();
    private WebApplication _collector = null!;

    /// <summary>What the collector was sent: the path (/v1/traces, /v1/metrics), content type and size.</summary>
    public ConcurrentQueue<(string Path, string? ContentType, long Length)> Exported { get; } = new();

    public override async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{_collectorPort}");
        _collector = builder.Build();
        // Answers as an OTLP/HTTP receiver does: 200 with an empty body.
        _collector.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            Exported.Enqueue((request.Path, request.ContentType, body.Length));
            return Results.Ok();
        });
        await _collector.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _collector.DisposeAsync();
    }

    public int IdentityManagementPort { get; } = IdentityServerFactory.FreeLoopbackPort();

    public int BoardManagementPort { get; } = IdentityServerFactory.FreeLoopbackPort();

    protected override bool SecondInstances => false;

    protected override IReadOnlyDictionary<string, string?> IdentitySettings => new Dictionary<string, string?>
    {
        ["Management:Port"] = IdentityManagementPort.ToString(),
        ["Telemetry:ActiveSessionsInterval"] = "00:00:01",
        ["Telemetry:RedisProbeInterval"] = "00:00:01",
    };

    protected override IReadOnlyDictionary<string, string?> BoardSettings => new Dictionary<string, string?>
    {
        ["Management:Port"] = BoardManagementPort.ToString(),
        ["Telemetry:RedisProbeInterval"] = "00:00:01",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{_collectorPort}",
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        // Within the test's patience: spans every 200 ms, metrics every second.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        ["RateLimits:Policies:board-writes:PermitLimit"] = "1",
        ["RateLimits:Policies:board-writes:Window"] = "01:00:00",
    };
}

/// <summary>
/// The services as processes: /metrics on the management port next to the URLs ASPNETCORE_URLS gave them, and the
/// Grafana dashboard's queries against what they really export.
/// </summary>
public sealed class ObservabilityTests(MeteredDeployment deployment) : IClassFixture<MeteredDeployment>
{
    [Fact]
    public async Task ManagementPort_ServesMetrics_PublicPortDoesNot()
    {
        foreach (var (service, port) in new[]
                 {
                     (deployment.IdentityA, deployment.IdentityManagementPort), (deployment.BoardA, deployment.BoardManagementPort),
                 })
        {
            using var client = service.CreateClient();
            var management = new Uri($"http://127.0.0.1:{port}/");

            // The public URL (ASPNETCORE_URLS) still serves the service; only the management port serves /metrics.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
            // A Host header naming the management port does not turn the public port into it.
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Host = $"127.0.0.1:{port}" } };
            Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(spoofed)).StatusCode);

            var scrape = await Scrape.FromAsync(client, new Uri(management, "/metrics"));
            Assert.Equal(1, scrape.Sum("redisjwt_redis_connected"));
            // The PING probe (every second here) times Redis without any traffic.
            await Eventually.TrueAsync(async () => (await Scrape.FromAsync(client, new Uri(management, "/metrics")))
                .Sum("redisjwt_redis_operation_duration_seconds_count", ("operation", "ping")) >= 1);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri(management, "/health/ready"))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri(management, "/posts"))).StatusCode);
        }
    }

    [Fact]
    public async Task OtlpEndpointSet_TracesAndMetricsExported()
    {
        using var identity = deployment.IdentityA.CreateClient();
        using var board = deployment.BoardA.CreateClient(await OAuth.ClientCredentialsAsync(identity, "posts.read"));

        Assert.Equal(HttpStatusCode.OK, (await board.GetAsync("/posts")).StatusCode);

        await Eventually.TrueAsync(() => Task.FromResult(
            deployment.Exported.Any(request => request.Path == "/v1/traces" && request.Length > 0)
            && deployment.Exported.Any(request => request.Path == "/v1/metrics" && request.Length > 0)), TimeSpan.FromSeconds(20));
        Assert.All(deployment.Exported, request => Assert.Equal("application/x-protobuf", request.ContentType));
    }

    [Fact]
    public async Task Dashboard_EveryMetricItQueries_ExportedAfterTraffic()
    {
        await MakeTrafficAsync();

        var expected = DashboardMetrics();
        // The parser finds what the panels read, e.g. a histogram's buckets and a gauge inside an aggregation.
        Assert.Contains("redisjwt_redis_operation_duration_seconds_bucket", expected);
        Assert.Contains("redisjwt_sessions_active", expected);
        var missing = expected.ToHashSet();
        // Gauges computed in the background (active sessions) show from the scrape after the one that started them.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (missing.Count > 0 && DateTime.UtcNow < deadline)
        {
            var identity = await ScrapeAsync(deployment.IdentityA, deployment.IdentityManagementPort);
            var board = await ScrapeAsync(deployment.BoardA, deployment.BoardManagementPort);
            missing.RemoveWhere(name => identity.Has(name) || board.Has(name));
            await Task.Delay(500);
        }

        Assert.True(missing.Count == 0, $"Queried by the dashboard, never exported: {string.Join(", ", missing)}");
    }

    /// <summary>What makes each family of metrics appear: tokens, sign-ins, a lockout, revocations, refusals.</summary>
    private async Task MakeTrafficAsync()
    {
        using var identity = deployment.IdentityA.CreateClient();
        var (email, session) = await Deployment.RegisterAndSignInAsync(deployment.IdentityA);
        var machineToken = await OAuth.ClientCredentialsAsync(identity, "posts.read posts.write");

        using var board = deployment.BoardA.CreateClient(machineToken);
        Assert.Equal(HttpStatusCode.OK, (await board.GetAsync("/posts")).StatusCode);
        await board.PostAsync("/posts", JsonContent.Create(new { title = "Metered", content = "The first write." }));
        // Over board-writes' limit of one: a rate-limit rejection.
        await board.PostAsync("/posts", JsonContent.Create(new { title = "Metered", content = "The second write." }));
        using var anonymous = deployment.BoardA.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/posts")).StatusCode);

        // Five wrong passwords lock the account.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await AuthApiClient.LoginAsync(identity, email, "not-the-password");
        }

        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(identity, session.RefreshToken)).Status);
    }

    private static async Task<Scrape> ScrapeAsync(ServiceProcess service, int port)
    {
        using var client = service.CreateClient();
        return await Scrape.FromAsync(client, new Uri($"http://127.0.0.1:{port}/metrics"));
    }

    /// <summary>The metric names the dashboard's PromQL reads (label matchers, grouping labels and functions left out).</summary>
    private static HashSet<string> DashboardMetrics()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("deploy", "grafana", "redisjwt-dashboard.json")));
        var names = new HashSet<string>();
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            if (!panel.TryGetProperty("targets", out var targets))
            {
                continue;
            }

            foreach (var target in targets.EnumerateArray())
            {
                names.UnionWith(MetricNames(target.GetProperty("expr").GetString()!));
            }
        }

        return names;
    }

    private static readonly HashSet<string> Keywords = ["by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless"];

    public static IEnumerable<string> MetricNames(string promql)
    {
        // Label matchers, range selectors and grouping clauses name labels and durations, not metrics.
        var stripped = Regex.Replace(promql, @"\{[^}]*\}|\[[^\]]*\]|\b(by|without|on|ignoring)\s*\([^)]*\)", " ");
        return Regex.Matches(stripped, @"(?<![A-Za-z0-9_:$.])[A-Za-z_:][A-Za-z0-9_:]*(?![A-Za-z0-9_:])(?!\s*\()")
            .Select(match => match.Value)
            .Where(name => !Keywords.Contains(name))
            .Distinct();
    }
}
