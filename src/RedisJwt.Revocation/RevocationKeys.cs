using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace RedisJwt.Revocation;

/// <summary>
/// The revocation part of the Redis key schema (docs/redis.md), under <see cref="RevocationOptions.KeyPrefix"/>. The
/// IdentityServer writes these and resource servers read them, so both sides must use the same prefix.
/// </summary>
public sealed class RevocationKeys(string prefix)
{
    // One slot for every revocation (Redis Cluster): a write puts its keys and their index entries in one MULTI, and a
    // lookup reads all the ways a token can be revoked in one MGET. Writes are rare and in-sync resource servers read nothing.
    private const string RevocationTag = "{revoked}";

    /// <summary>
    /// One revocation, a string holding "1" (or, for a user, the Unix time before which their tokens are revoked),
    /// expiring when the last token it concerns expires. Looked up directly by resource servers that are not (yet)
    /// in sync with the revocation channel.
    /// </summary>
    public RedisKey Revoked(Revoked revocation) => $"{prefix}{RevocationTag}:{revocation.KeyPart}:{revocation.Id}";

    /// <summary>
    /// A sorted set of every unexpired revocation (member: its encoded form, score: expiry in Unix milliseconds),
    /// from which a resource server that starts or reconnects loads the whole current state in one call.
    /// </summary>
    public RedisKey Index => $"{prefix}{RevocationTag}:index";

    /// <summary>The pub/sub channel each revocation is published on, in its encoded form.</summary>
    public RedisChannel Channel => RedisChannel.Literal($"{prefix}revocations");

    /// <summary>
    /// Set (NX, "1") by the first request presenting a DPoP proof, until the proof could no longer be accepted: the same
    /// <paramref name="jti"/> from the same key (<paramref name="thumbprint"/>) again is a replay (RFC 9449 11.1), at this
    /// or any other instance. The jti is hashed: it is the client's choice, of any length and characters.
    /// </summary>
    public RedisKey DPoPProofUse(string thumbprint, string jti) =>
        $"{prefix}dpop-jti:{thumbprint}:{Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(jti)))}";
}
