using System.ComponentModel.DataAnnotations;

namespace RedisJwt.IdentityServer.ClientAssertions;

/// <summary>Section <c>ClientAssertions</c>: private_key_jwt client authentication (RFC 7523) and clients' jwks_uri.</summary>
public sealed class ClientAssertionSettings
{
    public const string Section = "ClientAssertions";

    /// <summary>How far ahead an assertion's exp may be: a short-lived, single-use credential (RFC 7523 3, item 4).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "00:10:00")]
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far the client's clock may be off ours when exp and nbf are checked.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a client's jwks_uri may take to answer.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:00:30")]
    public TimeSpan JwksUriTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest JWK Set document read from a jwks_uri; a longer one is refused.</summary>
    [Range(1024, 1024 * 1024)]
    public int JwksUriMaxBytes { get; set; } = 64 * 1024;

    /// <summary>The shortest a fetched key set is kept (also when the answer says no-cache or gives no max-age).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan JwksUriMinCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest a fetched key set is kept, whatever its Cache-Control max-age says.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan JwksUriMaxCacheDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// An assertion naming a kid the cached set lacks (the client rotated its key) fetches the set again, at most once
    /// per this interval per client, so made-up kids cannot make this server hammer a client's jwks_uri.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UnknownKeyRefetchInterval { get; set; } = TimeSpan.FromSeconds(30);
}
