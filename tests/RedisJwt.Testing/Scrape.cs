using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace RedisJwt.Testing;

/// <summary>One sample of a Prometheus text exposition: metric name, labels, value.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A scrape of /metrics, parsed; sums the samples that carry the labels asked for.</summary>
public sealed partial class Scrape(IReadOnlyList<Sample> samples)
{
    /// <summary>The management port the test servers are given (Management:Port). In memory nothing listens there.</summary>
    public const int ManagementPort = 9464;

    public IReadOnlyList<Sample> Samples => samples;

    /// <summary>
    /// GET /metrics through an in-memory test server's client: the Host header names the management port, which is
    /// how the server tells a management request without a socket.
    /// </summary>
    public static async Task<Scrape> InMemoryAsync(HttpClient client, int port = ManagementPort)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Host = $"localhost:{port}";
        return await ReadAsync(await client.SendAsync(request));
    }

    /// <summary>GET a real /metrics URL.</summary>
    public static async Task<Scrape> FromAsync(HttpClient client, Uri url) => await ReadAsync(await client.GetAsync(url));

    public double Sum(string name, params (string Label, string Value)[] labels) =>
        samples.Where(sample => sample.Name == name && labels.All(label =>
                sample.Labels.TryGetValue(label.Label, out var value) && value == label.Value))
            .Sum(sample => sample.Value);

    /// <summary>How much a counter (the samples with these labels, summed) grew since <paramref name="before"/>.</summary>
    public double Since(Scrape before, string name, params (string Label, string Value)[] labels) =>
        Sum(name, labels) - before.Sum(name, labels);

    public bool Has(string name) => samples.Any(sample => sample.Name == name);

    private static async Task<Scrape> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {body}");
        return Parse(body);
    }

    public static Scrape Parse(string exposition)
    {
        var samples = new List<Sample>();
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a Prometheus sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(pair => pair.Groups["name"].Value, pair => Regex.Unescape(pair.Groups["value"].Value));
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var text => double.Parse(text, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(match.Groups["name"].Value, labels, value));
        }

        return new Scrape(samples);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
