using System.ComponentModel.DataAnnotations;

namespace RedisJwt.IdentityServer.Telemetry;

/// <summary>The IdentityServer's own settings in the "Telemetry" section (the shared ones: TelemetrySettings).</summary>
public sealed class IdentityTelemetrySettings
{
    public const string Section = "Telemetry";

    /// <summary>At most how often the active sessions are counted (a SCAN of the session keys).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Telemetry:ActiveSessionsInterval must be between 00:00:01 and 1.00:00:00.")]
    public TimeSpan ActiveSessionsInterval { get; set; } = TimeSpan.FromMinutes(1);
}
