// Messages per second through one topic. Starts a gateway (the webhook provider's far side, answering 204), puts
// COUNT messages on the topic's stream the way the dispatcher does, and times until the gateway has them all.
// Usage: MessageThroughput <redis> <key-prefix> <topic> <gateway-port> <count>
// Prints JSON: {"count":..,"seconds":..,"perSecond":..,"duplicates":..}.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

var (redisConnection, prefix, topic, port, count) = (args[0], args[1], args[2], int.Parse(args[3]), int.Parse(args[4]));

var received = new ConcurrentDictionary<string, int>();
var allIn = new TaskCompletionSource();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
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

using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
var database = redis.GetDatabase();
var clock = Stopwatch.StartNew();
var stream = new RedisKeys(Options.Create(new RedisOptions { KeyPrefix = prefix })).MessageStream(topic);
var adds = Enumerable.Range(0, count).Select(i => database.StreamAddAsync(stream,
[
    new("id", Guid.CreateVersion7().ToString("N")), new("kind", "password-changed"), new("channel", "email"),
    new("recipient", $"bench{i}@example.test"), new("subject", "Your password was changed"),
    new("text", "If this was not you, reset your password now."), new("attempt", 1),
]));
await Task.WhenAll(adds);
var enqueued = clock.Elapsed;
await allIn.Task.WaitAsync(TimeSpan.FromMinutes(5));
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
