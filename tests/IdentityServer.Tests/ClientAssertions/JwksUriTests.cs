using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ClientAssertions;

/// <summary>
/// Clients that publish their keys at a jwks_uri, served by a loopback Kestrel here: the set is fetched once and kept,
/// a rotated key is picked up when an assertion names its kid, and a document too large, too slow or on a private
/// address (with Outbound:AllowPrivateNetworks off) is refused as invalid_client, never a 500.
/// </summary>
public sealed class JwksUriTests(JwksUriTests.Servers servers) : IClassFixture<JwksUriTests.Servers>
{
    private static readonly Dictionary<string, string> ClientCredentials = new() { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" };

    [Fact]
    public async Task JwksUri_FetchedOnceThenCached()
    {
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(servers.Identity, "partner-cached", servers.Forge)).Status);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(servers.Identity, "partner-cached", servers.Forge)).Status);

        Assert.Equal(1, servers.Jwks.Hits("/cached"));
    }

    [Fact]
    public async Task JwksUri_RotatedKey_PickedUpByItsUnknownKid()
    {
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(servers.Identity, "partner-rotating", servers.Forge)).Status);
        var rotated = new ClientAssertionForge(DefaultIssuer);
        servers.Jwks.Documents["/rotating"] = rotated.PublicJwks();

        var withNewKey = await TokenAsync(servers.Identity, "partner-rotating", rotated);
        var withOldKey = await TokenAsync(servers.Identity, "partner-rotating", servers.Forge);

        Assert.True(withNewKey.Status == HttpStatusCode.OK, withNewKey.Body);
        Assert.Equal("invalid_client", withOldKey.Error);
        Assert.Equal(3, servers.Jwks.Hits("/rotating"));
    }

    [Fact]
    public async Task JwksUri_OversizeDocument_InvalidClient()
    {
        var response = await TokenAsync(servers.Identity, "partner-big", servers.Forge);

        Assert.Equal("invalid_client", response.Error);
        Assert.Contains("larger than", response.Get("error_description"));
    }

    [Fact]
    public async Task JwksUri_SlowDocument_InvalidClientAfterTheTimeLimit()
    {
        var response = await TokenAsync(servers.Identity, "partner-slow", servers.Forge);

        Assert.Equal("invalid_client", response.Error);
        Assert.Contains("could not be read", response.Get("error_description"));
    }

    [Fact]
    public async Task JwksUri_OnAPrivateAddressWithoutAllowPrivateNetworks_NeverFetched()
    {
        var response = await TokenAsync(servers.Guarded, "partner-private", servers.Forge);

        Assert.Equal("invalid_client", response.Error);
        Assert.Equal(0, servers.Jwks.Hits("/private"));
    }

    private static Task<TokenResponse> TokenAsync(IdentityServerFactory server, string clientId, ClientAssertionForge forge) =>
        OAuth.PostAsync(server.CreateClient(), "/connect/token", ClientAssertionForge.Form(clientId, forge.Create(clientId), ClientCredentials));

    public sealed class Servers : IAsyncLifetime
    {
        public ClientAssertionForge Forge { get; } = new(DefaultIssuer);

        public JwksServer Jwks { get; } = new();

        public IdentityServerFactory Identity { get; private set; } = null!;

        /// <summary>As outside Development: no connection into this server's own network.</summary>
        public IdentityServerFactory Guarded { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            foreach (var path in new[] { "/cached", "/rotating", "/private" })
            {
                Jwks.Documents[path] = Forge.PublicJwks();
            }

            Jwks.Documents["/big"] = $"{{\"keys\":[],\"padding\":\"{new string('x', 70 * 1024)}\"}}";
            await Jwks.StartAsync();

            var settings = new Dictionary<string, string?>
            {
                ["ClientAssertions:JwksUriTimeout"] = "00:00:01",
                ["ClientAssertions:UnknownKeyRefetchInterval"] = "00:00:00",
            };
            foreach (var (clientId, path) in new[] { ("partner-cached", "/cached"), ("partner-rotating", "/rotating"),
                ("partner-big", "/big"), ("partner-slow", "/slow") })
            {
                Seed(settings, clientId, path);
            }

            Identity = Create(NewDatabaseName(), NewRedisPrefix(), settings);
            var guarded = new Dictionary<string, string?> { ["Outbound:AllowPrivateNetworks"] = "false" };
            Seed(guarded, "partner-private", "/private");
            Guarded = Create(NewDatabaseName(), NewRedisPrefix(), guarded);
        }

        private void Seed(Dictionary<string, string?> settings, string clientId, string path)
        {
            settings[$"Seed:Clients:{clientId}:TokenEndpointAuthMethod"] = "private_key_jwt";
            settings[$"Seed:Clients:{clientId}:JwksUri"] = Jwks.Uri(path);
            settings[$"Seed:Clients:{clientId}:GrantTypes:0"] = "client_credentials";
            settings[$"Seed:Clients:{clientId}:Scopes:0"] = "posts.read";
        }

        public async Task DisposeAsync()
        {
            await Guarded.DisposeAsync();
            await Identity.DisposeAsync();
            await Jwks.DisposeAsync();
        }
    }

    /// <summary>A client's jwks_uri: a document per path (served with max-age), and /slow, which never answers.</summary>
    public sealed class JwksServer : IAsyncDisposable
    {
        private readonly int _port = FreeLoopbackPort();
        private readonly ConcurrentDictionary<string, int> _hits = new();
        private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebApplication? _app;

        public ConcurrentDictionary<string, string> Documents { get; } = new();

        public string Uri(string path) => $"http://127.0.0.1:{_port}{path}";

        public int Hits(string path) => _hits.GetValueOrDefault(path);

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{_port}");
            builder.Logging.ClearProviders();
            _app = builder.Build();
            _app.Run(async context =>
            {
                var path = context.Request.Path.Value ?? "";
                _hits.AddOrUpdate(path, 1, (_, count) => count + 1);
                if (path == "/slow")
                {
                    await _never.Task.WaitAsync(context.RequestAborted);
                    return;
                }

                context.Response.ContentType = "application/jwk-set+json";
                context.Response.Headers.CacheControl = "max-age=600";
                await context.Response.WriteAsync(Documents.GetValueOrDefault(path, "{}"));
            });
            await _app.StartAsync();
        }

        public async ValueTask DisposeAsync()
        {
            _never.TrySetResult();
            if (_app is { } app)
            {
                await app.DisposeAsync();
            }
        }
    }
}
