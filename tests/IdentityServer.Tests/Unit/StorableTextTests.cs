using System.Text.Json;
using System.Text.RegularExpressions;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.Tests.Unit;

/// <summary>What a request may carry: text PostgreSQL can store, i.e. no U+0000 and no unpaired surrogate.</summary>
public sealed class StorableTextTests
{
    public static TheoryData<string> Storable => new()
    {
        "",
        "plain ASCII",
        "Zoë Ångström, Łódź, 日本語, עברית",
        "emoji as a surrogate pair: 😀, and two: 👍🏽",
        "tab\tnewline\ncarriage return\r\n",
        "other controls \u0001\u001b\u007f",
        "U+FFFD \uFFFD and noncharacters \uFFFE\uFFFF",
        "😀",
    };

    [Theory]
    [MemberData(nameof(Storable))]
    public void IndexOfUnstorable_ValidText_None(string text)
    {
        Assert.Equal(-1, StorableText.IndexOfUnstorable(text));
        Assert.True(StorableText.IsStorable(text));
    }

    // Escaped (\0, \uXXXX), so that test names stay valid text.
    [Theory]
    [InlineData(@"\0", 0)]
    [InlineData(@"nul \0 inside", 4)]
    [InlineData(@"at the end\0", 10)]
    [InlineData(@"lone high \ud800 surrogate", 10)]
    [InlineData(@"lone low \udc00 surrogate", 9)]
    [InlineData(@"high at the end \ud83d", 16)]
    [InlineData(@"reversed pair \ude00\ud83d", 14)]
    [InlineData(@"two highs \ud83d\ud83d\ude00", 10)]
    [InlineData(@"a pair \ud83d\ude00 then \0", 15)]
    public void IndexOfUnstorable_NulOrLoneSurrogate_ItsIndex(string escaped, int index)
    {
        var text = Regex.Unescape(escaped);

        Assert.Equal(index, StorableText.IndexOfUnstorable(text));
        Assert.False(StorableText.IsStorable(text));
    }

    [Fact]
    public void Printable_UnstorableText_ReplacedAndShortened()
    {
        Assert.Equal("a\uFFFDb\uFFFDc😀", StorableText.Printable("a\0b\ud800c😀"));
        Assert.Equal(new string('x', 64) + "…", StorableText.Printable(new string('x', 100)));
    }

    [Theory]
    [InlineData("\"nul \\u0000\"")]
    [InlineData("\"lone \\ud800\"")]
    [InlineData("\"lone \\udc00\"")]
    [InlineData("\"reversed \\ude00\\ud83d\"")]
    public void Converter_UnstorableString_Refused(string json)
    {
        var exception = Assert.Throws<UnstorableJsonStringException>(() =>
            JsonSerializer.Deserialize<Dictionary<string, string>>($"{{\"field\": {json}}}", Options));

        Assert.Equal("$.field", exception.Path);
    }

    [Fact]
    public void Converter_UnstorablePropertyName_Refused() =>
        Assert.Throws<UnstorableJsonStringException>(() => JsonSerializer.Deserialize<Dictionary<string, string>>("{\"a\\u0000\": \"x\"}", Options));

    [Theory]
    [InlineData("\"Zoë 😀 \\ud83d\\ude00\"", "Zoë 😀 😀")]
    [InlineData("\"tab\\tnewline\\n\"", "tab\tnewline\n")]
    public void Converter_ValidString_Read(string json, string expected) =>
        Assert.Equal(expected, JsonSerializer.Deserialize<string>(json, Options));

    [Fact]
    public void Converter_NotAString_RefusedAsUsual() =>
        Assert.IsNotType<UnstorableJsonStringException>(Assert.ThrowsAny<JsonException>(() =>
            JsonSerializer.Deserialize<Dictionary<string, string>>("{\"field\": 5}", Options)));

    [Fact]
    public void Converter_Writing_AsBefore()
    {
        var value = new Dictionary<string, string[]> { ["Input.Email"] = ["Zoë 😀 \"quoted\" <b>"] };

        Assert.Equal(JsonSerializer.Serialize(value, new JsonSerializerOptions(JsonSerializerDefaults.Web)), JsonSerializer.Serialize(value, Options));
    }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new StorableStringConverter() } };
}
