using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults;

/// <summary>
/// Every Redis key and channel the system uses is named here, under the configured prefix, so the schema is documented
/// in one place (docs/redis.md). Keys that one command, transaction or script uses together share a hash tag (the part in
/// braces), so that Redis Cluster keeps them in one slot: the revocations, a user's sessions, a message topic.
/// </summary>
public sealed partial class RedisKeys(IOptions<RedisOptions> options)
{
    private readonly string _prefix = options.Value.KeyPrefix;

    // The revocation keys belong to the RedisJwt.Revocation package, which third-party resource servers use too.
    private readonly RevocationKeys _revocations = new(options.Value.KeyPrefix);

    /// <summary>A list holding the ASP.NET Core Data Protection key ring shared by all IdentityServer instances.</summary>
    public RedisKey DataProtectionKeys => $"{_prefix}dataprotection:keys";

    /// <summary>
    /// The <see cref="Caching.CacheGeneration"/> of one user's cached profile (GET /auth/me), replaced around every
    /// change to the user.
    /// </summary>
    public RedisKey ProfileGeneration(string userId) => $"{_prefix}profile:generation:{userId}";

    /// <summary>Prefix of the IdentityServer's HybridCache entries in Redis (the second level), e.g. profiles.</summary>
    public string IdentityCacheInstance => $"{_prefix}identity:cache:";

    /// <summary>One revocation's key: see <see cref="RevocationKeys.Revoked"/>.</summary>
    public RedisKey Revoked(Revoked revocation) => _revocations.Revoked(revocation);

    /// <summary>The index of every unexpired revocation: see <see cref="RevocationKeys.Index"/>.</summary>
    public RedisKey RevocationIndex => _revocations.Index;

    /// <summary>The revocation channel: see <see cref="RevocationKeys.Channel"/>.</summary>
    public RedisChannel RevocationChannel => _revocations.Channel;

    /// <summary>A DPoP proof's jti, recorded once: see <see cref="RevocationKeys.DPoPProofUse"/>.</summary>
    public RedisKey DPoPProofUse(string thumbprint, string jti) => _revocations.DPoPProofUse(thumbprint, jti);

    /// <summary>The pub/sub channel the client_id of each created, changed or deleted client is published on.</summary>
    public RedisChannel ClientChangesChannel => RedisChannel.Literal($"{_prefix}clients:changed");

    /// <summary>
    /// The pub/sub channel a message topic's name is published on when a message is queued on it: its consumers read
    /// at once rather than at their next poll (a back-channel logout reaches its client milliseconds after the logout).
    /// </summary>
    public RedisChannel MessagesQueuedChannel => RedisChannel.Literal($"{_prefix}messages:queued");

    /// <summary>The pub/sub channel `IdentityServer keys` announces a change of the signing key ring on.</summary>
    public RedisChannel SigningKeysChannel => RedisChannel.Literal($"{_prefix}signing-keys:changed");

    /// <summary>
    /// Set (NX) by the first request presenting a refresh token: "pending" while it is being redeemed, "done" once
    /// answered. Any other request presenting the same token is a replay, even one racing the first.
    /// </summary>
    public RedisKey RefreshTokenUse(string tokenId) => $"{_prefix}refresh:{tokenId}";

    /// <summary>The same for an authorization code: set (NX) by the one request that may redeem it.</summary>
    public RedisKey AuthorizationCodeUse(string tokenId) => $"{_prefix}code:{tokenId}";

    /// <summary>
    /// The id of the refresh token a family (authorization) redeemed last: the only one a grace-window retry may
    /// present again, so a replay of an older generation is always caught.
    /// </summary>
    public RedisKey RefreshFamilyLatest(string authorizationId) => $"{_prefix}refresh-latest:{authorizationId}";

    /// <summary>A hash of a user's login sessions: field = sid, value = the session as JSON (client, IP, times).</summary>
    public RedisKey Sessions(string userId) => $"{_prefix}session:{{{userId}}}";

    /// <summary>
    /// The set of OpenIddict authorization ids (token families) issued within one login session. Tagged with the user,
    /// like <see cref="Sessions"/>: recording a token's family checks the session and adds to the set in one script.
    /// </summary>
    public RedisKey SessionAuthorizations(string userId, string sessionId) => $"{_prefix}session-authorizations:{{{userId}}}:{sessionId}";

    /// <summary>
    /// A random value BoardApi replaces around every post write. Cached post lists are keyed by it, so a write
    /// makes every earlier list unreachable on every instance at once.
    /// </summary>
    public RedisKey PostListGeneration => $"{_prefix}board:posts:generation";

    /// <summary>Prefix of BoardApi's HybridCache entries in Redis (the second level), e.g. cached post lists.</summary>
    public string BoardCacheInstance => $"{_prefix}board:cache:";

    /// <summary>
    /// One rate-limit bucket: a string holding its GCRA "theoretical arrival time" (Unix microseconds, Redis time),
    /// expiring once the bucket is full again. BoardApi's per-user write limit (the seed's <c>rate_limit:&lt;user_id&gt;</c>)
    /// is <c>rate_limit:board-writes:&lt;user_id&gt;</c>. A partition that is not short and plain (an email, an IPv6
    /// address, anything a client chose) is replaced by <c>sha256-</c> and its hex SHA-256, so keys stay bounded,
    /// carry no separators, and keep personal data out of key names.
    /// </summary>
    public RedisKey RateLimit(string policy, string partition) => $"{_prefix}rate_limit:{policy}:{RateLimitPartition(partition)}";

    /// <summary>
    /// The dedup lock of one message (the seed's <c>msg:lock:&lt;channel&gt;:&lt;recipient&gt;:&lt;kind&gt;</c>): while it exists, the
    /// same kind is not sent to the same recipient again. The recipient is lower-cased, and hashed like a rate-limit
    /// partition, so no email address or phone number appears in a key name.
    /// </summary>
    public RedisKey MessageLock(string channel, string recipient, string kind) =>
        $"{_prefix}msg:lock:{channel}:{RateLimitPartition(recipient.Trim().ToLowerInvariant())}:{kind}";

    /// <summary>
    /// A message topic's stream (e.g. <c>{message-topic-30s}</c>), read by its own consumer group. Its retries and dead
    /// letters share its tag (an acknowledgement and a move go in one MULTI or script); each topic is a slot of its own.
    /// </summary>
    public RedisKey MessageStream(string topic) => $"{_prefix}{{{topic}}}";

    /// <summary>A topic's failed messages waiting for their next attempt: a sorted set scored by when it is due (ms).</summary>
    public RedisKey MessageRetries(string topic) => $"{_prefix}{{{topic}}}:retry";

    /// <summary>A topic's dead letters: messages given up after the last attempt, each with the reason.</summary>
    public RedisKey MessageDeadLetters(string topic) => $"{_prefix}{{{topic}}}:dead";

    /// <summary>A set of hashes of the devices a user signed in from (new-sign-in alerts).</summary>
    public RedisKey KnownDevices(string userId) => $"{_prefix}devices:{userId}";

    /// <summary>
    /// Set (NX) by the sign-in that accepted one authenticator (TOTP) code of a user, so that the code is accepted once
    /// (RFC 6238 section 5.2). The code appears only as a SHA-256 over the user id and the code, never in clear.
    /// </summary>
    public RedisKey AuthenticatorCodeUse(string userId, string code) =>
        $"{_prefix}totp-used:{userId}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{userId}\n{code}")))}";

    /// <summary>
    /// The server's DPoP nonce (RFC 9449 section 8) for one rotation window: the first instance to need it sets it (NX),
    /// every other instance reads the same value, and it expires a few windows later.
    /// </summary>
    public RedisKey DPoPNonce(long window) => $"{_prefix}dpop-nonce:{window}";

    /// <summary>
    /// Set (NX) by the request that presented one client assertion (RFC 7523 private_key_jwt), kept until the assertion
    /// expires: its jti again, at any instance, is a replay (RFC 7523 3, item 7). The jti appears only as a SHA-256 over
    /// the client id and the jti.
    /// </summary>
    public RedisKey ClientAssertionUse(string clientId, string jti) =>
        $"{_prefix}assertion-jti:{clientId}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{clientId}\n{jti}")))}";

    /// <summary>
    /// A device code's polls (RFC 8628 3.5), by its token id: a hash of when it last polled and the interval it must
    /// keep, expiring with the code.
    /// </summary>
    public RedisKey DevicePolls(string deviceCodeId) => $"{_prefix}device-polls:{deviceCodeId}";

    private static string RateLimitPartition(string partition) => PlainPartition().IsMatch(partition)
        ? partition
        : "sha256-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(partition)));

    // At most 64 characters, so a plain partition never looks like a hashed one (71).
    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z")]
    private static partial Regex PlainPartition();
}
