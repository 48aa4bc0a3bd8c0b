using System.ComponentModel.DataAnnotations;

namespace RedisJwt.ServiceDefaults.Telemetry;

/// <summary>The "Telemetry" section, the same in every service.</summary>
public sealed class TelemetrySettings
{
    public const string Section = "Telemetry";

    /// <summary>A request taking longer is also logged under <see cref="LogCategories.SlowRequests"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = "Telemetry:SlowRequestThreshold must be between 00:00:00.001 and 01:00:00.")]
    public TimeSpan SlowRequestThreshold { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a PING measures Redis latency (redisjwt.redis.operation.duration, operation "ping").</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Telemetry:RedisProbeInterval must be between 00:00:01 and 01:00:00.")]
    public TimeSpan RedisProbeInterval { get; set; } = TimeSpan.FromSeconds(10);
}
