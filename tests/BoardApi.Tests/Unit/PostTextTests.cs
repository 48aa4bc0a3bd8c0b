using RedisJwt.BoardApi.Posts;

namespace RedisJwt.BoardApi.Tests.Unit;

public sealed class PostTextTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("Ünïcödé ✓ 😀")]
    [InlineData("trailing space ")]
    public void Check_SingleLineText_Accepted(string value) => Assert.Null(PostText.Check(value, 200, multiline: false));

    [Theory]
    [InlineData("line\nline")]
    [InlineData("windows\r\nline")]
    [InlineData("tab\there")]
    public void Check_MultilineWhitespace_AcceptedOnlyWhenMultiline(string value)
    {
        Assert.Null(PostText.Check(value, 200, multiline: true));
        Assert.NotNull(PostText.Check(value, 200, multiline: false));
    }

    [Theory]
    [InlineData("bare\rreturn")]
    [InlineData("ends with return\r")]
    [InlineData("nul\0")]
    [InlineData("bell\a")]
    [InlineData("delete\u007f")]
    [InlineData("c1 control\u0085")]
    public void Check_ControlCharacter_Rejected(string value) => Assert.NotNull(PostText.Check(value, 200, multiline: true));

    [Fact]
    public void Check_LoneSurrogate_Rejected()
    {
        // Built here, not as theory data: xunit's serialization of test data would turn a lone surrogate into U+FFFD.
        foreach (var value in new[] { "lone high " + (char)0xD83D, "lone low " + (char)0xDE00 + " x", (char)0xDE00 + "😀" })
        {
            Assert.StartsWith("Contains invalid Unicode", PostText.Check(value, 200, multiline: true));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n\t ")]
    public void Check_Blank_Rejected(string? value) => Assert.Equal("Required, and not only whitespace.", PostText.Check(value, 200, multiline: true));

    [Fact]
    public void Check_Length_CountsUnicodeCharactersNotUtf16Units()
    {
        var fiveEmoji = string.Concat(Enumerable.Repeat("😀", 5));
        Assert.Null(PostText.Check(fiveEmoji, 5, multiline: false));
        Assert.Equal("Must be at most 4 characters (got 5).", PostText.Check(fiveEmoji, 4, multiline: false));
    }
}
