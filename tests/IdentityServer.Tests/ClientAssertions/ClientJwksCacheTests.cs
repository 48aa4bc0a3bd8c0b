using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.ClientAssertions;
using RedisJwt.IdentityServer.Shared;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ClientAssertions;

/// <summary>
/// A jwks_uri's key set is kept for its Cache-Control max-age (within bounds), and an assertion naming a kid the set
/// lacks fetches it again at most once per ClientAssertions:UnknownKeyRefetchInterval: made-up kids cannot make this
/// server hammer a client's jwks_uri.
/// </summary>
public sealed class ClientJwksCacheTests : IAsyncLifetime
{
    private readonly JwksUriTests.JwksServer _jwks = new();
    private readonly ShiftedClock _clock = new();
    private ClientJwksCache _cache = null!;

    public async Task InitializeAsync()
    {
        _jwks.Documents["/keys"] = new ClientAssertionForge(DefaultIssuer).PublicJwks();
        await _jwks.StartAsync();
        _cache = new ClientJwksCache(Options.Create(new ClientAssertionSettings
        {
            UnknownKeyRefetchInterval = TimeSpan.FromSeconds(30),
            JwksUriMinCacheDuration = TimeSpan.FromMinutes(1),
            JwksUriMaxCacheDuration = TimeSpan.FromHours(1),
        }), Options.Create(new OutboundSettings { AllowPrivateNetworks = true }), _clock, NullLogger<ClientJwksCache>.Instance);
    }

    public async Task DisposeAsync()
    {
        _cache.Dispose();
        await _jwks.DisposeAsync();
    }

    [Fact]
    public async Task UnknownKid_RefetchedAtMostOncePerInterval_AndTheSetKeptForItsMaxAge()
    {
        var uri = new Uri(_jwks.Uri("/keys"));

        await _cache.GetAsync("partner", uri, kid: null, CancellationToken.None);
        await _cache.GetAsync("partner", uri, "made-up-1", CancellationToken.None);
        Assert.Equal(1, _jwks.Hits("/keys"));

        _clock.Offset = TimeSpan.FromSeconds(31);
        await _cache.GetAsync("partner", uri, "made-up-2", CancellationToken.None);
        await _cache.GetAsync("partner", uri, "made-up-3", CancellationToken.None);
        Assert.Equal(2, _jwks.Hits("/keys"));

        // The server's max-age=600: still kept after 9 minutes, fetched again after 11.
        _clock.Offset = TimeSpan.FromMinutes(9);
        await _cache.GetAsync("partner", uri, kid: null, CancellationToken.None);
        Assert.Equal(2, _jwks.Hits("/keys"));
        _clock.Offset = TimeSpan.FromMinutes(11);
        await _cache.GetAsync("partner", uri, kid: null, CancellationToken.None);
        Assert.Equal(3, _jwks.Hits("/keys"));
    }
}
