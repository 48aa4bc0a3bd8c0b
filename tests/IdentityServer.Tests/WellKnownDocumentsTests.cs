using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// Discovery and JWKS with validators: a strong ETag, revalidation required, a 304 to a refresh that has the current
/// one; and never a stale copy once the signing key ring changes.
/// </summary>
public sealed class WellKnownDocumentsTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Theory]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/jwks")]
    public async Task Document_HasAStrongETag_ARefreshWithItIs304WithoutBody(string path)
    {
        var client = server.CreateApiClient();

        using var first = await client.GetAsync(path);
        using var second = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag!;
        Assert.False(etag.IsWeak);
        Assert.Equal(etag, second.Headers.ETag);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal("public, no-cache", first.Headers.CacheControl!.ToString());
        JsonDocument.Parse(await first.Content.ReadAsStringAsync());

        using var refresh = new HttpRequestMessage(HttpMethod.Get, path);
        refresh.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(refresh);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, notModified.Headers.ETag);

        using var other = new HttpRequestMessage(HttpMethod.Get, path);
        other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"something-else\""));
        using var changed = await client.SendAsync(other);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
    }

    [Fact]
    public async Task KeyRingChanges_TheNextJwksHasTheNewKeyAndAnotherETag()
    {
        await using var rotating = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix());
        var client = rotating.CreateApiClient();
        using var before = await client.GetAsync("/.well-known/jwks");
        var etag = before.Headers.ETag!;

        var (output, errors) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await KeysCommand.RunAsync(rotating.Services, ["rotate"], output, errors));
        var added = output.ToString().Split(' ')[3];

        // Published ahead of signing: the cached document gives way as soon as the ring is read again.
        await Eventually.TrueAsync(async () =>
        {
            using var refresh = new HttpRequestMessage(HttpMethod.Get, "/.well-known/jwks");
            refresh.Headers.IfNoneMatch.Add(etag);
            using var response = await client.SendAsync(refresh);
            return response.StatusCode == HttpStatusCode.OK && response.Headers.ETag != etag
                && (await response.Content.ReadAsStringAsync()).Contains(added, StringComparison.Ordinal);
        });
    }
}
