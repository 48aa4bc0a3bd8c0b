using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

// Back-channel logout latency, end to end: per round a fresh browser signs the user in at IdentityServer A through
// Acme Planner (code flow with PAR; consent is remembered after the first round), sees the planner signed in, then
// sends "log out everywhere" (DELETE /account/sessions with the sign-in cookie) to IdentityServer B and polls the
// planner's landing page with the planner's cookie until it shows the user signed out, which happens only once the
// planner received and validated the logout token (BackChannelLogout.RejectEndedSessionAsync). The landing page, not
// /board: /board calls BoardApi with the user's access token, and the token's revocation would end the session there
// through another path. Latency = from just before the DELETE until the first poll (from then on, concurrently with the
// DELETE) that finds the session gone.
// CPU of the IdentityServer processes (/proc, ticks) is read around each round's logout window. Usage:
//   LogoutLatency <identityA> <identityB> <planner> <email> <password> <logouts> <warm-up> <pid,pid> <clk_tck>
if (args.Length != 9)
{
    Console.Error.WriteLine("usage: LogoutLatency <identityA> <identityB> <planner> <email> <password> <logouts> <warm-up> <pid,pid> <clk_tck>");
    return 2;
}

var (identityA, identityB, planner) = (new Uri(args[0]), new Uri(args[1]), new Uri(args[2]));
var (email, password) = (args[3], args[4]);
var count = int.Parse(args[5], CultureInfo.InvariantCulture);
var warmUp = int.Parse(args[6], CultureInfo.InvariantCulture);
var pids = args[7].Split(',').Select(pid => int.Parse(pid, CultureInfo.InvariantCulture)).ToArray();
var clockTicks = double.Parse(args[8], CultureInfo.InvariantCulture);
var deliveryTimeout = TimeSpan.FromSeconds(10);
var poll = TimeSpan.FromMilliseconds(2);

// One connection pool for every browser (a browser keeps its connections too); cookies are each browser's own.
using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

var latencies = new List<double>(count);
var deleteCalls = new List<double>(count);
var signIns = new List<double>(count);
var (missed, endedBeforeAnswer, windowTicks, windowSeconds, idleTicksPerSecond) = (0, 0, 0L, 0.0, 0.0);
for (var round = -warmUp; round < count; round++)
{
    if (round == 0)
    {
        // The IdentityServers' idle CPU (consumers polling, renewals), once warm: subtracted from the logout windows.
        var idle = Stopwatch.StartNew();
        var idleStart = Ticks();
        await Task.Delay(TimeSpan.FromSeconds(5));
        idleTicksPerSecond = (Ticks() - idleStart) / idle.Elapsed.TotalSeconds;
    }

    var browser = new Browser(http);
    var signIn = Stopwatch.StartNew();
    await SignInThroughPlannerAsync(browser);
    if (await PlannerSessionAsync(browser) != true)
    {
        throw new InvalidOperationException("The planner does not show the user signed in after the code flow.");
    }

    signIns.Add(signIn.Elapsed.TotalMilliseconds);
    var ticksBefore = Ticks();
    var latency = Stopwatch.StartNew();
    // Polled while the DELETE is in flight too: the notification is queued before the request has finished its work
    // (Revoker.EndAllSessionsAsync revokes the token families in the database after it), so the session may end first.
    var deleting = DeleteAsync(browser, latency);
    bool? session;
    while ((session = await PlannerSessionAsync(browser)) == true && latency.Elapsed < deliveryTimeout)
    {
        await Task.Delay(poll);
    }

    var elapsed = latency.Elapsed;
    var deleteCall = await deleting;
    if (session is null)
    {
        throw new InvalidOperationException("The planner's landing page shows neither state.");
    }

    // The sender's own acknowledgement and the other consumer's poll finish shortly after; a little of either window.
    await Task.Delay(TimeSpan.FromMilliseconds(100));
    if (round < 0)
    {
        continue;
    }

    windowTicks += Ticks() - ticksBefore;
    windowSeconds += latency.Elapsed.TotalSeconds;
    deleteCalls.Add(deleteCall);
    endedBeforeAnswer += session == false && elapsed.TotalMilliseconds < deleteCall ? 1 : 0;
    if (session == true)
    {
        missed++;
        Console.Error.WriteLine($"round {round}: the planner still shows the session {deliveryTimeout.TotalSeconds} s after the logout");
        continue;
    }

    latencies.Add(elapsed.TotalMilliseconds);
    if ((round + 1) % 50 == 0)
    {
        Console.Error.WriteLine($"    {round + 1}/{count} logouts, last {elapsed.TotalMilliseconds:F1} ms");
    }
}

var cpuMs = (windowTicks - idleTicksPerSecond * windowSeconds) / clockTicks * 1000 / count;
Console.WriteLine(JsonSerializer.Serialize(new
{
    logouts = count,
    warm_up = warmUp,
    delivered = latencies.Count,
    missed,
    poll_ms = poll.TotalMilliseconds,
    latency_ms = Percentiles(latencies),
    delete_call_ms = Percentiles(deleteCalls),
    // The DELETE's duration over the run, a quarter of the logouts at a time (the user's history grows each round).
    delete_call_p50_by_quarter_ms = deleteCalls.Chunk(Math.Max(1, (deleteCalls.Count + 3) / 4))
        .Select(quarter => Math.Round(quarter.Order().ElementAt((quarter.Length - 1) / 2), 2)).ToArray(),
    ended_before_delete_answered = endedBeforeAnswer,
    sign_in_ms = Percentiles(signIns),
    histogram_ms = Histogram(latencies, 10),
    identity_cpu_ms_per_logout = Math.Round(cpuMs, 2),
    identity_idle_cpu_ms_per_s = Math.Round(idleTicksPerSecond / clockTicks * 1000, 2),
}));
return 0;

async Task<double> DeleteAsync(Browser browser, Stopwatch since)
{
    using var response = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Delete, new Uri(identityB, "account/sessions")));
    var answered = since.Elapsed.TotalMilliseconds;
    return response.StatusCode == HttpStatusCode.NoContent ? answered
        : throw new InvalidOperationException($"DELETE /account/sessions answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
}

// Planner /signin → IdentityServer A (PAR request_uri) → login form → consent (first time) → planner callback, which
// redeems the code and sets the planner's cookie, then sends the browser to /board (not followed: see above).
async Task SignInThroughPlannerAsync(Browser browser)
{
    var page = await browser.NavigateAsync(new Uri(planner, "signin"), StopAtBoard);
    if (page.Form("form input[name='Input.Password']") is { } login)
    {
        page = await browser.SubmitAsync(page, login, new() { ["Input.Email"] = email, ["Input.Password"] = password }, null, StopAtBoard);
    }

    if (page.Form("form[action='/connect/authorize']") is { } consent)
    {
        page = await browser.SubmitAsync(page, consent, [], ("consent_decision", "accept"), StopAtBoard);
    }

    if (!StopAtBoard(page.Url))
    {
        throw new InvalidOperationException($"The sign-in through the planner ended at {page.Url} ({(int)page.Status}): {page.Body[..Math.Min(page.Body.Length, 2000)]}");
    }
}

bool StopAtBoard(Uri url) => url.Port == planner.Port && url.AbsolutePath == "/board";

// The landing page: a link to /board when signed in, the connect button when not; null for anything else.
async Task<bool?> PlannerSessionAsync(Browser browser)
{
    using var response = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Get, planner));
    var body = await response.Content.ReadAsStringAsync();
    return response.StatusCode != HttpStatusCode.OK ? null
        : body.Contains("id=\"connect\"", StringComparison.Ordinal) ? false
        : body.Contains("href=\"/board\"", StringComparison.Ordinal) ? true
        : null;
}

long Ticks() => pids.Sum(pid =>
{
    // utime + stime: fields 14 and 15, counted after the ")" that ends the command name.
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
});

static object Percentiles(List<double> values)
{
    if (values.Count == 0)
    {
        return new { };
    }

    var sorted = values.Order().ToArray();
    double At(double p) => Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 2);
    return new { min = Math.Round(sorted[0], 2), p50 = At(0.50), p90 = At(0.90), p99 = At(0.99), max = Math.Round(sorted[^1], 2), mean = Math.Round(sorted.Average(), 2) };
}

// Counts per bucket of the given width, keyed by the bucket's lower bound, in order.
static Dictionary<string, int> Histogram(List<double> values, int width) => values
    .GroupBy(value => (int)(value / width) * width)
    .OrderBy(bucket => bucket.Key)
    .ToDictionary(bucket => bucket.Key.ToString(CultureInfo.InvariantCulture), bucket => bucket.Count());

/// <summary>
/// A browser without a cookie container: the IdentityServer in Production sets Secure __Host- cookies, which
/// CookieContainer keeps from plain-HTTP requests, so this one sends every cookie it holds to every loopback port (as
/// browsers do, cookies ignore ports). Follows redirects across hosts until told to stop.
/// </summary>
internal sealed class Browser(HttpClient http)
{
    private static readonly HtmlParser Parser = new();
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        // Polls run while the DELETE is in flight: one jar, two requests.
        lock (_cookies)
        {
            if (_cookies.Count > 0)
            {
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(cookie => $"{cookie.Key}={cookie.Value}")));
            }
        }

        var response = await http.SendAsync(request);
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var parts = header.Split(';', StringSplitOptions.TrimEntries);
            var (name, value) = (parts[0][..parts[0].IndexOf('=')], parts[0][(parts[0].IndexOf('=') + 1)..]);
            var expired = parts.Skip(1).Any(part =>
                part.StartsWith("expires=", StringComparison.OrdinalIgnoreCase)
                    && DateTimeOffset.TryParse(part[8..], CultureInfo.InvariantCulture, out var expires) && expires <= DateTimeOffset.UtcNow
                || part.Equals("max-age=0", StringComparison.OrdinalIgnoreCase));
            lock (_cookies)
            {
                if (expired || value.Length == 0)
                {
                    _cookies.Remove(name);
                }
                else
                {
                    _cookies[name] = value;
                }
            }
        }

        return response;
    }

    public async Task<Page> NavigateAsync(Uri url, Func<Uri, bool> stop) =>
        await FollowAsync(await SendAsync(new HttpRequestMessage(HttpMethod.Get, url)), url, stop);

    public async Task<Page> SubmitAsync(Page page, IHtmlFormElement form, Dictionary<string, string> values,
        (string Name, string Value)? submitter, Func<Uri, bool> stop)
    {
        var fields = form.Elements.OfType<IHtmlInputElement>()
            .Where(input => input.Type != "submit" && (input.Type != "checkbox" || input.IsChecked))
            .Where(input => !string.IsNullOrEmpty(input.Name) && !values.ContainsKey(input.Name))
            .Select(input => new KeyValuePair<string, string>(input.Name!, input.Value))
            .Concat(values)
            .ToList();
        if (submitter is { } button)
        {
            fields.Add(new(button.Name, button.Value));
        }

        var action = form.GetAttribute("action") is { Length: > 0 } target ? new Uri(page.Url, target) : page.Url;
        return await FollowAsync(await SendAsync(new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(fields) }), action, stop);
    }

    private async Task<Page> FollowAsync(HttpResponseMessage response, Uri url, Func<Uri, bool> stop)
    {
        for (var hops = 0; hops < 12; hops++)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode is not (301 or 302 or 303 or 307) || response.Headers.Location is null)
                {
                    return new Page(url, response.StatusCode, body, Parser.ParseDocument(body));
                }

                url = new Uri(url, response.Headers.Location);
                if (stop(url))
                {
                    return new Page(url, response.StatusCode, "", null);
                }
            }

            response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, url));
        }

        throw new InvalidOperationException($"Too many redirects, last to {url}.");
    }
}

internal sealed record Page(Uri Url, HttpStatusCode Status, string Body, IHtmlDocument? Document)
{
    public IHtmlFormElement? Form(string selector) =>
        Document?.QuerySelector(selector) is { } element ? element as IHtmlFormElement ?? element.Closest("form") as IHtmlFormElement : null;
}
