using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Telemetry;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>The message instruments' measurements of one server (its own IMeterFactory: others in the process are ignored).</summary>
internal sealed class MessageMeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    public MessageMeterRecorder(IdentityServerFactory server)
    {
        var meters = server.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AuthEvents.MeterName && ReferenceEquals(instrument.Meter.Scope, meters)
                && instrument.Name.StartsWith("redisjwt.messages.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public ConcurrentQueue<(string Name, double Value, Dictionary<string, string?> Tags)> Measurements { get; } = new();

    public IEnumerable<(double Value, Dictionary<string, string?> Tags)> Of(string name) =>
        Measurements.Where(measurement => measurement.Name == name).Select(measurement => (measurement.Value, measurement.Tags));

    public double Sum(string name) => Of(name).Sum(measurement => measurement.Value);

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new Dictionary<string, string?>();
        foreach (var (key, tag) in tags)
        {
            labels[key] = tag?.ToString();
        }

        Measurements.Enqueue((instrument.Name, value, labels));
    }
}
