using Notifications;
using OpenIddict.Validation.AspNetCore;
using RedisJwt.Revocation;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
var issuer = Required(builder.Configuration, "Api:Issuer");
var audience = Required(builder.Configuration, "Api:Audience");
var redis = Required(builder.Configuration, "ConnectionStrings:Redis");

// Revocations from the IdentityServer's Redis: a token revoked there (the user's session ended) fails here too. As a
// user that may only read them: no CONFIG, tie-breaker key or configuration channel asked for (users.acl.template).
builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
    ConnectionMultiplexer.Connect($"{redis},abortConnect=false,tiebreaker=,configChannel=,$CONFIG="));
builder.Services.AddOpenIddict().AddValidation(options =>
{
    // Only tokens for this API: BoardApi's own tokens (its audience) are refused, so it must exchange them first.
    options.SetIssuer(issuer);
    options.AddAudiences(audience);
    options.UseSystemNetHttp();
    options.UseAspNetCore();
    options.UseRedisRevocation();
});
builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
builder.AddNotifications();

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();
app.MapNotifications();

app.Run();

static string Required(IConfiguration configuration, string key) =>
    configuration[key] is { Length: > 0 } value ? value : throw new InvalidOperationException($"{key} is required.");

/// <summary>Names this assembly for WebApplicationFactory (top-level Programs collide in a test assembly).</summary>
public sealed class NotificationsApiMarker;
