using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

// Revocation propagation: get a token at IdentityServer A, see every BoardApi accept it, revoke it at IdentityServer
// B, then poll every BoardApi until each rejects it. Latency = from the revocation endpoint's answer until the last
// BoardApi rejects. Usage:
//   RevocationLatency <identityA> <identityB> <board1,board2,...> <clientId> <secret> <count>
if (args.Length != 6)
{
    Console.Error.WriteLine("usage: RevocationLatency <identityA> <identityB> <board,board...> <clientId> <secret> <count>");
    return 2;
}

var (identityA, identityB) = (new Uri(args[0]), new Uri(args[1]));
var boards = args[2].Split(',').Select(board => new Uri(board)).ToArray();
var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{args[3]}:{args[4]}")));
var count = int.Parse(args[5], CultureInfo.InvariantCulture);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 8 });

var latencies = new List<double>(count);
var revokeCalls = new List<double>(count);
for (var round = 0; round < count; round++)
{
    var token = await TokenAsync();
    foreach (var board in boards)
    {
        if (await StatusAsync(board, token) != HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException($"{board} did not accept a fresh token.");
        }
    }

    var call = Stopwatch.StartNew();
    using (var revoke = new HttpRequestMessage(HttpMethod.Post, new Uri(identityB, "connect/revoke"))
    {
        Content = new FormUrlEncodedContent([new("token", token)]),
        Headers = { Authorization = basic },
    })
    {
        (await http.SendAsync(revoke)).EnsureSuccessStatusCode();
    }

    revokeCalls.Add(call.Elapsed.TotalMilliseconds);
    var propagation = Stopwatch.StartNew();
    foreach (var board in boards)
    {
        while (await StatusAsync(board, token) != HttpStatusCode.Unauthorized)
        {
            if (propagation.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"{board} still accepts a token revoked 10 s ago.");
            }
        }
    }

    latencies.Add(propagation.Elapsed.TotalMilliseconds);
}

Console.WriteLine(JsonSerializer.Serialize(new
{
    revocations = count,
    boards = boards.Length,
    propagation_ms = Percentiles(latencies),
    revocation_endpoint_ms = Percentiles(revokeCalls),
}));
return 0;

async Task<string> TokenAsync()
{
    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(identityA, "connect/token"))
    {
        Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "posts.read")]),
        Headers = { Authorization = basic },
    };
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
}

// GET of an unknown post: 404 = accepted, 401 = rejected.
async Task<HttpStatusCode> StatusAsync(Uri board, string token)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(board, $"posts/{Guid.Empty}"));
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await http.SendAsync(request);
    return response.StatusCode;
}

static object Percentiles(List<double> values)
{
    var sorted = values.Order().ToArray();
    double At(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    return new { p50 = Math.Round(At(0.50), 2), p99 = Math.Round(At(0.99), 2), max = Math.Round(sorted[^1], 2) };
}
