namespace RedisJwt.Revocation.Tests;

/// <summary>
/// The encoded form is the channel message and the index member: the IdentityServer writes it and every resource server
/// (possibly of another version) reads it, so its shape is fixed, and anything else on the channel is refused, not guessed.
/// </summary>
public sealed class RevokedTests
{
    private static readonly DateTimeOffset ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_123);
    private static readonly DateTimeOffset Before = DateTimeOffset.FromUnixTimeSeconds(1_749_999_000);

    public static TheoryData<Revoked, string> EachKind => new()
    {
        { Revoked.Token("jti-1", ExpiresAt), "a|jti-1|1750000000123" },
        { Revoked.Session("sid-1", ExpiresAt), "b|sid-1|1750000000123" },
        { Revoked.Family("aid-1", ExpiresAt), "c|aid-1|1750000000123" },
        { Revoked.User("user-1", Before, ExpiresAt), "d|user-1|1750000000123|1749999000" },
    };

    [Theory]
    [MemberData(nameof(EachKind))]
    public void Encode_EachKind_TheDocumentedForm(Revoked revocation, string encoded) =>
        Assert.Equal(encoded, revocation.Encode());

    [Theory]
    [MemberData(nameof(EachKind))]
    public void TryDecode_WhatEncodeWrote_TheSameRevocation(Revoked revocation, string encoded) =>
        Assert.Equal(revocation, Revoked.TryDecode(encoded));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a|jti-1")] // too few parts
    [InlineData("a|jti-1|1750000000123|5|6")] // too many
    [InlineData("e|jti-1|1750000000123")] // a kind after the last
    [InlineData("`|jti-1|1750000000123")] // the character before 'a'
    [InlineData("A|jti-1|1750000000123")]
    [InlineData("ab|jti-1|1750000000123")]
    [InlineData("|jti-1|1750000000123")]
    [InlineData("a||1750000000123")] // empty id
    [InlineData("a|jti-1|")]
    [InlineData("a|jti-1|soon")]
    [InlineData("a|jti-1|-1")]
    [InlineData("a|jti-1| 1750000000123")]
    [InlineData("a|jti-1|99999999999999999999")] // beyond a long
    [InlineData("a|jti-1|1750000000123|1749999000")] // only a user mark has a fourth part
    [InlineData("d|user-1|1750000000123")] // a user mark without its moment
    [InlineData("d|user-1|1750000000123|")]
    [InlineData("d|user-1|1750000000123|yesterday")]
    public void TryDecode_Malformed_Null(string? encoded) => Assert.Null(Revoked.TryDecode(encoded));

    [Theory]
    [InlineData("a|b")]
    [InlineData("|")]
    [InlineData("")]
    public void Encode_IdThatCannotBeDecoded_Throws(string id)
    {
        // Written anyway, such an id would be a message every resource server drops, or one that decodes to another id.
        Assert.Throws<ArgumentException>(() => Revoked.Token(id, ExpiresAt).Encode());
        Assert.Throws<ArgumentException>(() => Revoked.User(id, Before, ExpiresAt).Encode());
    }
}
