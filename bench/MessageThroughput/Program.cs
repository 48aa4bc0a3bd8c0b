// Messages per second through one topic. Starts a gateway (the webhook provider's far side, answering 204), puts
// COUNT messages on the topic's stream the way the dispatcher does (text sealed, entry added, topic announced), and
// times until the gateway has them all. Redis and the certificates come from the IdentityServer's own settings
// (ConnectionStrings__Redis, Redis__KeyPrefix, Credentials__*), so the texts are sealed with its key ring.
// Usage: MessageThroughput <topic> <gateway-port> <count>
// Prints JSON: {"count":..,"enqueueSeconds":..,"seconds":..,"perSecond":..,"duplicates":..}.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Operations;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

var (topic, port, count) = (args[0], int.Parse(args[1]), int.Parse(args[2]));

var received = new ConcurrentDictionary<string, int>();
var allIn = new TaskCompletionSource();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders().AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
    .SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.AddRedis(); // the server's connection (its ACL-trimmed command map); its 503 handler wants ProblemDetails
builder.Services.AddProblemDetails();
builder.Services.AddOptions<CredentialOptions>().BindConfiguration(CredentialOptions.Section);
builder.Services.AddSingleton(TimeProvider.System).AddSingleton<ConfiguredCredentials>();
builder.AddSharedDataProtection();
builder.Services.AddSingleton<MessageSealing>().AddSingleton<QueuedMessages>();
var gateway = builder.Build();
gateway.MapPost("/send", (HttpRequest request) =>
{
    received.AddOrUpdate(request.Headers["Idempotency-Key"].ToString(), 1, (_, seen) => seen + 1);
    if (received.Count >= count)
    {
        allIn.TrySetResult();
    }

    return Results.NoContent();
});
await gateway.StartAsync();

var sealing = gateway.Services.GetRequiredService<MessageSealing>();
var entries = Enumerable.Range(0, count).Select(i =>
{
    var entry = new MessageEntry(Guid.CreateVersion7().ToString("N"), MessageKinds.PasswordChanged, MessageChannels.Email,
        $"bench{i}@example.test", "Your password was changed", "If this was not you, reset your password now.", Attempt: 1);
    return entry with { Text = sealing.Seal(entry) };
}).ToList(); // sealed before the clock starts: that is the dispatcher's cost, not the topic's

var database = gateway.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
var stream = gateway.Services.GetRequiredService<RedisKeys>().MessageStream(topic);
var clock = Stopwatch.StartNew();
// No announcement on messages:queued: the dispatcher does not announce emails and texts (only back-channel logouts,
// which are waited for, are).
await Task.WhenAll(entries.Select(entry =>
    database.StreamAddAsync(stream, entry.ToFields(), maxLength: 100_000, useApproximateMaxLength: true)));
var enqueued = clock.Elapsed;
if (await Task.WhenAny(allIn.Task, Task.Delay(TimeSpan.FromMinutes(5))) != allIn.Task)
{
    Console.Error.WriteLine($"Only {received.Count} of {count} messages reached the gateway in 5 minutes (dead-lettered?).");
    return 1;
}

var seconds = clock.Elapsed.TotalSeconds;
await gateway.StopAsync();

Console.WriteLine(JsonSerializer.Serialize(new
{
    count,
    enqueueSeconds = Math.Round(enqueued.TotalSeconds, 3),
    seconds = Math.Round(seconds, 3),
    perSecond = Math.Round(count / seconds),
    duplicates = received.Values.Count(seen => seen > 1),
}));
return 0;
