using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using RedisJwt.IdentityServer.Shared;

namespace RedisJwt.IdentityServer.ClientAssertions;

/// <summary>A client's jwks_uri could not be read, or did not hold a usable key set; the request is invalid_client.</summary>
public sealed class ClientKeysUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The key sets of clients that registered a jwks_uri, fetched on first need and kept per instance for the document's
/// Cache-Control max-age within <see cref="ClientAssertionSettings"/> bounds. The fetch is a server-side request to an
/// address a client chose: through <see cref="ClientNetworkGuard"/> (no private networks unless
/// Outbound:AllowPrivateNetworks, no redirects), with a time and a size limit.
/// </summary>
public sealed class ClientJwksCache(IOptions<ClientAssertionSettings> options, IOptions<OutboundSettings> outbound,
    TimeProvider time, ILogger<ClientJwksCache> logger) : IDisposable
{
    private sealed record Entry(JsonWebKeySet Keys, DateTimeOffset FetchedAt, DateTimeOffset Expires);

    private readonly ClientAssertionSettings _settings = options.Value;
    private readonly HttpClient _http = new(ClientNetworkGuard.Handler(outbound.Value)) { Timeout = options.Value.JwksUriTimeout };
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _fetching = new(StringComparer.Ordinal);

    /// <param name="kid">The key the assertion names, if any: one the cached set lacks fetches it again (rate limited).</param>
    /// <exception cref="ClientKeysUnavailableException">No usable key set could be read.</exception>
    public async Task<JsonWebKeySet> GetAsync(string clientId, Uri jwksUri, string? kid, CancellationToken cancellationToken)
    {
        // Per client and URI: a client that changes its jwks_uri starts afresh.
        var name = clientId + "\n" + jwksUri.AbsoluteUri;
        if (Current(name, kid) is { } cached)
        {
            return cached;
        }

        var gate = _fetching.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            // Another request may have fetched it meanwhile.
            if (Current(name, kid) is { } fetched)
            {
                return fetched;
            }

            var entry = await FetchAsync(jwksUri, cancellationToken);
            _entries[name] = entry;
            return entry.Keys;
        }
        finally
        {
            gate.Release();
        }
    }

    private JsonWebKeySet? Current(string name, string? kid)
    {
        if (!_entries.TryGetValue(name, out var entry))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var fresh = entry.Expires > now;
        var knowsKid = kid is null || entry.Keys.Keys.Any(key => key.Kid == kid);
        return fresh && (knowsKid || now - entry.FetchedAt < _settings.UnknownKeyRefetchInterval) ? entry.Keys : null;
    }

    private async Task<Entry> FetchAsync(Uri jwksUri, CancellationToken cancellationToken)
    {
        string json;
        TimeSpan? maxAge;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, jwksUri);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/jwk-set+json"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ClientKeysUnavailableException($"the client's jwks_uri answered {(int)response.StatusCode}.");
            }

            json = await ReadLimitedAsync(response.Content, cancellationToken);
            maxAge = response.Headers.CacheControl is { NoStore: false, NoCache: false, MaxAge: { } age } ? age : null;
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "A client's jwks_uri {JwksUri} could not be read.", jwksUri);
            throw new ClientKeysUnavailableException("the client's jwks_uri could not be read.", exception);
        }

        var keys = ClientKeySet.Read(json, out var error)
            ?? throw new ClientKeysUnavailableException($"the client's jwks_uri does not hold a usable key set: {error}");
        var now = time.GetUtcNow();
        var lifetime = TimeSpan.FromTicks(Math.Clamp((maxAge ?? TimeSpan.Zero).Ticks,
            _settings.JwksUriMinCacheDuration.Ticks, Math.Max(_settings.JwksUriMinCacheDuration.Ticks, _settings.JwksUriMaxCacheDuration.Ticks)));
        return new Entry(keys, now, now + lifetime);
    }

    // Read no further than the limit, whatever Content-Length says (or does not say).
    private async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var limit = _settings.JwksUriMaxBytes;
        if (content.Headers.ContentLength > limit)
        {
            throw new ClientKeysUnavailableException($"the client's JWK Set is larger than {limit} bytes.");
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[limit + 1];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is var count and > 0)
        {
            read += count;
        }

        return read > limit
            ? throw new ClientKeysUnavailableException($"the client's JWK Set is larger than {limit} bytes.")
            : System.Text.Encoding.UTF8.GetString(buffer, 0, read);
    }

    public void Dispose() => _http.Dispose();
}
