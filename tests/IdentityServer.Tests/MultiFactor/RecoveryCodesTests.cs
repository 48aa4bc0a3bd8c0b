using System.Text.RegularExpressions;
using RedisJwt.IdentityServer.MultiFactor;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>The codes' shape and what the store compares (no host).</summary>
public sealed partial class RecoveryCodesTests
{
    [Fact]
    public void Create_TenCodes_UniqueCrockfordBase32InGroupsOfFour()
    {
        var codes = Enumerable.Range(0, 10).Select(_ => RecoveryCodes.Create()).ToList();

        Assert.Equal(10, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Matches(CodeShape(), code));
        // 16 characters of a 32-letter alphabet: 80 bits.
        Assert.All(codes, code => Assert.Equal(RecoveryCodes.Length, RecoveryCodes.Normalize(code).Length));
    }

    [Theory]
    [InlineData("7K2M Q9XR 0C4T HV8W")]
    [InlineData(" 7k2m-q9xr-0c4t-hv8w ")]
    [InlineData("7k2mq9xr0c4thv8w")]
    [InlineData("7K2M-Q9XR-OC4T-HV8W")] // O read as 0, as Crockford's base32 decodes it
    public void Normalize_CaseDashesSpaces_SameCode(string typed) =>
        Assert.Equal("7k2mq9xr0c4thv8w", RecoveryCodes.Normalize(typed));

    [Fact]
    public void Hash_TypedDifferently_Equal_OtherUser_Different()
    {
        var code = RecoveryCodes.Create();

        Assert.Equal(RecoveryCodes.Hash("user-1", code), RecoveryCodes.Hash("user-1", $" {code.ToUpperInvariant().Replace('-', ' ')} "));
        Assert.NotEqual(RecoveryCodes.Hash("user-1", code), RecoveryCodes.Hash("user-2", code));
        Assert.DoesNotContain(RecoveryCodes.Normalize(code), RecoveryCodes.Hash("user-1", code));
    }

    [GeneratedRegex(@"^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}\z")]
    internal static partial Regex CodeShape();
}
