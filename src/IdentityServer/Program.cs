using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Account;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Admin;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.ClientAssertions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Consent;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.DPoP;
using RedisJwt.IdentityServer.DynamicRegistration;
using RedisJwt.IdentityServer.Logout;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.Operations;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.TokenExchange;
using RedisJwt.IdentityServer.TokenRevocation;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.Shared;
using RedisJwt.IdentityServer.Telemetry;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);

// First: its startup filter runs before telemetry's, so the access log already sees what the proxy forwarded.
builder.AddTrustedProxies();
builder.AddIdentityTelemetry();
builder.AddRedis();
builder.AddSharedDataProtection();
builder.AddIdentityDatabase();
builder.AddSessions();
builder.AddAccounts();
builder.AddMultiFactor();
builder.AddAccountMessaging();
builder.AddOpenIdConnectServer();
builder.AddWellKnownDocuments();
builder.AddDPoPIssuance();
builder.AddClients();
builder.AddClientAssertions();
builder.AddDynamicRegistration();
builder.AddConsent();
builder.AddSigningCredentials();
builder.AddTokenRevocation();
builder.AddTokenExchange();
builder.AddAuthApi();
builder.AddIdentityRateLimits();
builder.AddMessaging();
builder.AddMessageProviders();
builder.AddLogoutNotifications();
builder.AddAdmin();
builder.AddServiceHealth<ApplicationDbContext>();
builder.AddPages();
builder.AddServiceCors();
builder.AddSecurityHeaders();
builder.AddMalformedInputGuard();

var app = builder.Build();

// Fail on a bad setting (or an unreadable certificate) with its name, before touching the database.
app.Services.GetRequiredService<IStartupValidator>().Validate();

// `migrate`, `clients ...`, `keys ...`: run once and exit (Operations/Commands).
if (await app.RunCommandAsync(args))
{
    return;
}

await app.PrepareDatabaseAsync();
await app.LoadSigningKeysAsync();

app.UseExceptionHandler();
app.UseSecurityHeaders();
app.UseErrorPages();
app.UseStaticFiles();
// CORS first, so that even an answer from the /auth translation (e.g. a 400) is readable by an allowed origin.
app.UseCrossOriginPolicies();
// Before the /auth translation and OpenIddict (in UseAuthentication), which read the query and the form.
app.UseMalformedInputGuard();
app.UseAuthTokenRequests();
app.UseRouting();
// Discovery and JWKS from memory, with validators (a refresh is a 304); OpenIddict writes them in UseAuthentication.
app.UseWellKnownDocuments();
app.UseAuthentication();
app.UseAuthorization();

app.MapServiceHealth();
app.MapConnectEndpoints();
app.MapSessions();
app.MapAdminUsers();
app.MapAuthApi();
app.MapAdminClients();
app.MapAdminInitialAccessTokens();
app.MapDynamicRegistration();
app.MapRazorPages();

app.Run();
