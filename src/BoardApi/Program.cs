using Microsoft.Extensions.Options;
using RedisJwt.BoardApi.Auth;
using RedisJwt.BoardApi.Data;
using RedisJwt.BoardApi.Delegation;
using RedisJwt.BoardApi.Posts;
using RedisJwt.BoardApi.RateLimits;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.Hosting;
using RedisJwt.ServiceDefaults.Telemetry;

var builder = WebApplication.CreateBuilder(args);

// First: its startup filter runs before telemetry's, so the access log already sees what the proxy forwarded.
builder.AddTrustedProxies();
builder.AddServiceTelemetry("boardapi");
builder.AddRedis();
builder.AddBoardDatabase();
builder.AddTokenValidation();
builder.AddPosts();
builder.AddDelegation();
builder.AddBoardRateLimits();
builder.AddServiceHealth<BoardDbContext>();
builder.Services.AddProblemDetails();
builder.AddServiceCors();
builder.AddServiceHsts();
builder.AddMalformedInputGuard();

var app = builder.Build();

// Fail on a bad setting with its name, before touching the database.
app.Services.GetRequiredService<IStartupValidator>().Validate();

if (args.Contains("migrate"))
{
    // Production path: `BoardApi migrate` applies migrations, then exits.
    await app.MigrateDatabaseAsync<BoardDbContext>();
    return;
}

await app.MigrateIfConfiguredAsync<BoardDbContext>();

app.UseExceptionHandler();
// Errors without a body (401, 403 from authentication, 404 for unknown routes) get RFC 9457 problem details too.
app.UseStatusCodePages();
app.UseServiceHsts();
app.UseCors();
app.UseAuthentication();
app.UseAuthorization();
// After authorization: nothing before reads input, and only a caller with a token gets its body read.
app.UseMalformedInputGuard();

app.MapServiceHealth();
app.MapProtectedResourceMetadata();
app.MapPosts();
app.MapDelegation();

app.Run();
