using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.Testing.Cors;

namespace RedisJwt.BoardApi.Tests.Telemetry;

/// <summary>A browser app's W3C traceparent reaches BoardApi (CORS allows it) and BoardApi's spans continue its trace.</summary>
public sealed class TraceContextTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    [Fact]
    public async Task Request_WithTraceparent_ServerSpanContinuesTheTrace()
    {
        var spans = new List<Activity>();
        await using var board = fixture.Board.WithWebHostBuilder(host => host.ConfigureTestServices(services =>
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))));
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        var client = board.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await fixture.ClientTokenAsync());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/posts");
        request.Headers.Add("traceparent", $"00-{traceId}-{parentSpanId}-01");

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);

        // Exported as the request's activity stops, which can be a moment after the client has the response. (Spans of
        // other hosts in this process reach the exporter too, activity listeners being process-wide: the IdentityServer's
        // answer to a discovery request BoardApi makes within the trace is another server span of it.)
        Activity? server = null;
        await Eventually.TrueAsync(() => Task.FromResult((server = Snapshot(spans).FirstOrDefault(span =>
            span.Kind == ActivityKind.Server && span.TraceId == traceId && span.ParentSpanId == parentSpanId)) is not null));
        Assert.StartsWith("GET /posts", server!.DisplayName);
        // Work inside the request is in the same trace: the database query below the server span.
        Assert.Contains(Snapshot(spans), span => span.TraceId == traceId && span.Kind == ActivityKind.Client);
    }

    [Fact]
    public async Task Preflight_SpaOriginAskingForTraceparent_Allowed()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/posts");
        preflight.Headers.Add("Origin", IdentityServerFactory.SpaOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,traceparent");

        using var response = await fixture.Board.CreateClient(accessToken: null).SendAsync(preflight);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(IdentityServerFactory.SpaOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("traceparent", HeaderItems(response, "Access-Control-Allow-Headers"));
    }

    // The exporter adds from the thread ending the request, without a lock: copy, and again if it changed meanwhile.
    private static List<Activity> Snapshot(List<Activity> spans)
    {
        while (true)
        {
            try
            {
                return [.. spans];
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
