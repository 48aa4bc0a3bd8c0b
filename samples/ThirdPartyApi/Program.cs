using AcmeNotes;
using OpenIddict.Validation.AspNetCore;
using RedisJwt.Revocation;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
var issuer = Required(builder.Configuration, "Api:Issuer");
var audience = Required(builder.Configuration, "Api:Audience");
var redis = Required(builder.Configuration, "ConnectionStrings:Redis");

// Revocation, line 1 of 2: the IdentityServer's Redis, as a user that may only read its revocations. Connecting in
// the background (abortConnect=false), the API starts even while Redis is down, and fails closed until it is back.
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect($"{redis},abortConnect=false"));

builder.Services.AddOpenIddict().AddValidation(options =>
{
    // Keys from the issuer's discovery document; only tokens issued for this API's audience pass.
    options.SetIssuer(issuer);
    options.AddAudiences(audience);
    options.UseSystemNetHttp();
    options.UseAspNetCore();
    // Revocation, line 2 of 2: a token revoked at the IdentityServer fails here too, within milliseconds.
    options.UseRedisRevocation();
});
builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
builder.AddNotes();
builder.Services.AddHealthChecks();

var app = builder.Build();

app.UseAuthentication();
app.UseAuthorization();
app.MapHealthChecks("/health/ready");
app.MapNotes();

app.Run();

static string Required(IConfiguration configuration, string key) =>
    configuration[key] is { Length: > 0 } value ? value : throw new InvalidOperationException($"{key} is required.");
