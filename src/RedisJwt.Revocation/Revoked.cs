using System.Globalization;

namespace RedisJwt.Revocation;

/// <summary>What a revocation covers.</summary>
public enum RevocationKind
{
    /// <summary>One access token, by its <c>jti</c> (RFC 7009 revocation of an access token).</summary>
    Token,

    /// <summary>Every token of a login session, by <c>sid</c> (logout, ending a session).</summary>
    Session,

    /// <summary>Every token of one authorization (a refresh-token family), by the access token's <c>aid</c>.</summary>
    Family,

    /// <summary>Every token of a user issued before a moment (iat earlier than it), by <c>sub</c> (log out everywhere).</summary>
    User,
}

/// <summary>
/// One revocation, as the IdentityServer writes it and resource servers read it. Its encoded form
/// (<c>kind|id|expiresMs[|beforeSeconds]</c>) is both the revocation channel's message and the index member.
/// </summary>
public sealed record Revoked(RevocationKind Kind, string Id, DateTimeOffset ExpiresAt, long RevokedBefore = 0)
{
    /// <summary>One access token, by its <c>jti</c>, until <paramref name="expiresAt"/> (when the token expires).</summary>
    public static Revoked Token(string jti, DateTimeOffset expiresAt) => new(RevocationKind.Token, jti, expiresAt);

    /// <summary>Every token of one login session, by its <c>sid</c>, until the last of them expires.</summary>
    public static Revoked Session(string sid, DateTimeOffset expiresAt) => new(RevocationKind.Session, sid, expiresAt);

    /// <summary>Every token of one authorization (refresh-token family), until the last of them expires.</summary>
    public static Revoked Family(string authorizationId, DateTimeOffset expiresAt) => new(RevocationKind.Family, authorizationId, expiresAt);

    /// <summary>
    /// Tokens of <paramref name="userId"/> issued before <paramref name="before"/> (iat, whole seconds). A token from the
    /// same second is not covered, so a sign-in right after still works; the writer also revokes the sessions it knows.
    /// </summary>
    public static Revoked User(string userId, DateTimeOffset before, DateTimeOffset expiresAt) =>
        new(RevocationKind.User, userId, expiresAt, before.ToUnixTimeSeconds());

    /// <summary>The part of the Redis key naming the kind, as documented in the README.</summary>
    internal string KeyPart => Kind switch
    {
        RevocationKind.Token => "jti",
        RevocationKind.Session => "sid",
        RevocationKind.Family => "family",
        _ => "user",
    };

    /// <summary>What the revocation's own key holds.</summary>
    internal string Value => Kind == RevocationKind.User ? RevokedBefore.ToString(CultureInfo.InvariantCulture) : "1";

    internal string Encode()
    {
        if (Id.Length == 0 || Id.Contains('|'))
        {
            throw new ArgumentException($"'{Id}' cannot be revoked: an id is non-empty and has no '|'.");
        }

        var encoded = $"{(char)('a' + (int)Kind)}|{Id}|{ExpiresAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
        return Kind == RevocationKind.User ? $"{encoded}|{RevokedBefore.ToString(CultureInfo.InvariantCulture)}" : encoded;
    }

    internal static Revoked? TryDecode(string? encoded)
    {
        var parts = encoded?.Split('|');
        if (parts is not { Length: 3 or 4 } || parts[0].Length != 1 || parts[0][0] is < 'a' or > 'd' || parts[1].Length == 0
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expiresMs))
        {
            return null;
        }

        var kind = (RevocationKind)(parts[0][0] - 'a');
        long before = 0;
        if ((kind == RevocationKind.User) != (parts.Length == 4)
            || (parts.Length == 4 && !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out before)))
        {
            return null;
        }

        return new Revoked(kind, parts[1], DateTimeOffset.FromUnixTimeMilliseconds(expiresMs), before);
    }
}
