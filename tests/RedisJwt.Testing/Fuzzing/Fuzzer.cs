using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace RedisJwt.Testing.Fuzzing;

/// <summary>What the server answered: its status (0: no answer) and the start of the answer, for the report.</summary>
public sealed record FuzzResult(MalformedRequest Request, int Status, string Answer);

/// <summary>
/// Sends every malformed variant of every target to a server on a real socket (Kestrel parses the bytes as sent, no
/// client library tidies them) and reports what was answered with 5xx or not at all. Endpoints run side by side, each
/// endpoint's requests in order.
/// </summary>
public static class Fuzzer
{
    /// <summary>Fixed, so that a failure is the same failure on the next run.</summary>
    public const int Seed = 20261207;

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    /// <param name="logs">The servers' logs: what they hold at Error or above once the run is over (not before) fails it.</param>
    public static async Task<FuzzReport> RunAsync(Uri server, IEnumerable<FuzzTarget> targets, params LogCapture[] logs)
    {
        // A few at a time: enough to keep a two-core machine busy without starving the other tests.
        const int parallelism = 4;
        var logged = logs.Select(log => log.Entries.Count).ToList();
        var results = new ConcurrentBag<FuzzResult>();
        var clock = Stopwatch.StartNew();
        // A generator per endpoint, seeded by its place in the table: the same requests whatever the scheduling.
        await Parallel.ForEachAsync(targets.Select((target, index) => (target, index)),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (item, _) =>
            {
                foreach (var request in new Malformations(item.target, server.Authority, new Random(Seed + item.index)).All())
                {
                    results.Add(await SendAsync(server, request));
                }
            });
        var errors = logs.SelectMany((log, index) => log.Entries.Skip(logged[index]))
            .Where(entry => entry.Level is LogLevel.Error or LogLevel.Critical)
            .Select(entry => $"{entry.Level} {entry.Category}: {FuzzReport.Described(entry.Text)}");
        return new FuzzReport([.. results], [.. errors], clock.Elapsed);
    }

    private static async Task<FuzzResult> SendAsync(Uri server, MalformedRequest request)
    {
        using var timeout = new CancellationTokenSource(AnswerTimeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.Host, server.Port, timeout.Token);

        // Read while sending: a server may answer (413, 400) before the body is all sent, then close.
        var answer = ReadToEndAsync(socket, timeout.Token);
        try
        {
            await socket.SendAsync(request.Bytes, SocketFlags.None, timeout.Token);
            if (request.Truncated)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // Closed by the server while sending; its answer may have arrived before.
        }

        var text = await answer;
        var status = text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && text.Length >= 12
            && int.TryParse(text.AsSpan(9, 3), out var code) ? code : 0;
        return new FuzzResult(request, status, text);
    }

    private static async Task<string> ReadToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
            {
                // The status line and headers, and the start of the body, are all a report needs.
                if (answer.Length < 4_096)
                {
                    answer.Append(Encoding.Latin1.GetString(buffer, 0, read));
                }
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            answer.Append($"\n[{exception.GetType().Name}: {exception.Message}]");
        }

        return answer.ToString();
    }
}

/// <summary>The outcome of a run, and what a test asserts about it.</summary>
public sealed record FuzzReport(IReadOnlyList<FuzzResult> Results, IReadOnlyList<string> LoggedErrors, TimeSpan Duration)
{
    /// <summary>
    /// 5xx, or no answer at all; except for a truncated request, which Kestrel ends when the client closes its side
    /// (an exception it met on the way shows in the log).
    /// </summary>
    public IReadOnlyList<FuzzResult> Failures => [.. Results.Where(Failed)];

    private static bool Failed(FuzzResult result) => result.Status >= 500 || (result.Status == 0 && !result.Request.Truncated);

    /// <summary>Requests, 5xx and statuses per endpoint, e.g. for the test's output.</summary>
    public string Summary() =>
        $"{Results.Count} requests in {Duration.TotalSeconds:0.0} s (seed {Fuzzer.Seed}), {Failures.Count} answered 5xx or not at all\n"
        + string.Join('\n', Results.GroupBy(result => result.Request.Target.ToString())
            .OrderBy(endpoint => endpoint.Key, StringComparer.Ordinal)
            .Select(endpoint => $"  {endpoint.Key}: {endpoint.Count()} requests, {endpoint.Count(Failed)} failed; "
                + string.Join(", ", endpoint.GroupBy(result => result.Status).OrderBy(status => status.Key)
                    .Select(status => $"{status.Key}×{status.Count()}"))));

    /// <summary>
    /// Fails listing every request answered 5xx (or not at all) and every error the servers logged, such as ASP.NET
    /// Core's "An unhandled exception has occurred while executing the request".
    /// </summary>
    public void AssertNoServerErrors()
    {
        var failures = Failures
            .OrderBy(result => result.Request.Target.ToString(), StringComparer.Ordinal)
            .Select(result => $"  {(result.Status == 0 ? "no answer" : result.Status)} {result.Request}"
                + (result.Status == 0 ? $" ({FirstLine(result.Answer)})" : ""))
            .ToList();
        Assert.True(failures.Count == 0 && LoggedErrors.Count == 0,
            $"{Summary()}\n{failures.Count} failed requests:\n{string.Join('\n', failures)}\n"
            + $"{LoggedErrors.Count} errors logged:\n{string.Join('\n', LoggedErrors.Distinct().Take(50).Select(error => "  " + error))}");
    }

    // LogCapture's text is "message | state: ... | exception: ...": the message and the exception's first line.
    internal static string Described(string text)
    {
        var message = text.Split(" | state: ", 2)[0];
        var exception = text.Split(" | exception: ", 2) is [_, var thrown] ? thrown : "";
        return FirstLine(message) + (exception.Length > 0 ? " — " + FirstLine(exception) : "");
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
