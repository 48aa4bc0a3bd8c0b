using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace RedisJwt.ServiceDefaults.Telemetry;

public static class TelemetrySetup
{
    /// <summary>The meters of this solution: RedisJwt.IdentityServer, RedisJwt.BoardApi, RedisJwt.ServiceDefaults.</summary>
    public const string MeterNames = "RedisJwt.*";

    /// <summary>
    /// Metrics and traces through OpenTelemetry (OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set), the Prometheus
    /// scrape endpoint on the management port (Management:Port), the access and slow-request logs, and Redis probes.
    /// </summary>
    public static WebApplicationBuilder AddServiceTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddOptions<TelemetrySettings>()
            .BindConfiguration(TelemetrySettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ManagementSettings>()
            .BindConfiguration(ManagementSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        ManagementPort.Listen(builder);

        builder.Services.AddSecretRedaction();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<RedisMetrics>();
        builder.Services.AddHostedService<RedisProbe>();
        // First in the pipeline, before the service's own middleware: every request is logged and timed, and the
        // management port answers before anything else sees the request.
        builder.Services.AddTransient<IStartupFilter, TelemetryStartupFilter>();

        // Read now, as the exporters are chosen now: the standard environment variable (or any configuration source the
        // builder starts with). A test host's configuration, added later, does not count; tests run a process for it.
        var exportOtlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(MeterNames)
                    // http.server.request.duration (with status code and route), Kestrel connections.
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    // PostgreSQL connection pool use (db.client.connection.*), command durations.
                    .AddNpgsqlInstrumentation()
                    // Each scrape current: the exporter's default replays a response for 300 ms, which scrapers every
                    // 15 s or more never need, and which would hide a change just made from a test or an operator.
                    .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (exportOtlp)
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(options => options.Filter = context => !IsOperational(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (exportOtlp)
                {
                    // Redis spans come from StackExchange.Redis's profiler, which records every command: paid only
                    // when the spans go somewhere.
                    tracing.AddRedisInstrumentation().AddOtlpExporter();
                }
            });

        // Several hosts in one process (tests; one per process in production) would otherwise each export the
        // instruments of all: a provider listens by meter name. Meters created through a host's IMeterFactory (ours,
        // ASP.NET Core's) are exported by that host only; process-wide ones (runtime, Npgsql) by each.
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, metrics) =>
        {
            var own = services.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => instrument.Meter.Scope is IMeterFactory scope && !ReferenceEquals(scope, own)
                ? MetricStreamConfiguration.Drop
                : null);
        });

        return builder;
    }

    // Probes and scrapes every few seconds would drown the traces that matter.
    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments(ManagementPort.MetricsPath);

    private sealed class TelemetryStartupFilter(IOptions<ManagementSettings> management) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            if (management.Value.Port is { } port)
            {
                app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
                    context.Request.Path == ManagementPort.MetricsPath && ManagementPort.IsManagementRequest(context, port));
                // The management port is no second way into the service: only metrics and health answer there.
                app.Use((context, nextMiddleware) =>
                {
                    if (ManagementPort.IsManagementRequest(context, port) && !context.Request.Path.StartsWithSegments("/health"))
                    {
                        context.Response.StatusCode = StatusCodes.Status404NotFound;
                        return Task.CompletedTask;
                    }

                    return nextMiddleware(context);
                });
            }

            app.UseWhen(context => management.Value.Port is not { } port || !ManagementPort.IsManagementRequest(context, port),
                branch => branch.UseMiddleware<AccessLogMiddleware>());
            next(app);
        };
    }
}
