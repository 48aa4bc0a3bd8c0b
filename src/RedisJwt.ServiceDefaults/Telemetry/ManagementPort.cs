using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace RedisJwt.ServiceDefaults.Telemetry;

/// <summary>
/// The "Management" section: a second port for the operator's tools (Prometheus scrapes, health probes), kept off
/// the public one, as Keycloak's management interface is.
/// </summary>
public sealed class ManagementSettings
{
    public const string Section = "Management";

    /// <summary>
    /// Kestrel also listens here, on every interface; <c>/metrics</c> answers only on this port, and only
    /// <c>/metrics</c> and <c>/health/*</c> do. Unset: no <c>/metrics</c> at all.
    /// </summary>
    [Range(1, 65535, ErrorMessage = "Management:Port must be a TCP port (1-65535).")]
    public int? Port { get; set; }
}

public static class ManagementPort
{
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Adds the management port to the addresses Kestrel listens on, keeping those already configured
    /// (ASPNETCORE_URLS, --urls, ASPNETCORE_HTTP_PORTS, or Kestrel:Endpoints): setting endpoints in code would
    /// silently drop them.
    /// </summary>
    internal static void Listen(WebApplicationBuilder builder)
    {
        if (!int.TryParse(builder.Configuration[$"{ManagementSettings.Section}:{nameof(ManagementSettings.Port)}"], out var port)
            || port is < 1 or > 65535)
        {
            return; // Unset, or a bad value that the options validation reports at start with its name.
        }

        var url = $"http://*:{port}";
        if (builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            // With endpoints in configuration, Kestrel ignores the URLs below: add one more endpoint there.
            builder.Configuration.AddInMemoryCollection([new("Kestrel:Endpoints:Management:Url", url)]);
            return;
        }

        var configured = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } urls ? urls
            : string.Join(';', Ports(builder.Configuration["http_ports"], "http").Concat(Ports(builder.Configuration["https_ports"], "https")))
                is { Length: > 0 } ports ? ports
            : "http://localhost:5000"; // Kestrel's own default when nothing is configured.
        builder.WebHost.UseUrls($"{configured};{url}");
    }

    /// <summary>
    /// Whether the request came in on the management port. Under the in-memory test server there is no socket;
    /// there the Host header stands for the port. A TCP connection always has a local address, so on Kestrel a client
    /// cannot reach the management paths on the public port by sending such a Host header (a public endpoint on a Unix
    /// socket, which has none, would need its proxy to set the Host header).
    /// </summary>
    public static bool IsManagementRequest(HttpContext context, int port) =>
        context.Connection.LocalIpAddress is not null
            ? context.Connection.LocalPort == port
            : context.Request.Host.Port == port;

    private static IEnumerable<string> Ports(string? ports, string scheme) =>
        (ports ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(port => $"{scheme}://*:{port}");
}
