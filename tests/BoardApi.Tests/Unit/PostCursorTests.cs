using RedisJwt.BoardApi.Posts;

namespace RedisJwt.BoardApi.Tests.Unit;

public sealed class PostCursorTests
{
    [Fact]
    public void ToString_ThenTryParse_RoundTrips()
    {
        var cursor = new PostCursor(new DateTimeOffset(2026, 11, 23, 6, 7, 8, TimeSpan.Zero).AddTicks(1230), Guid.CreateVersion7());
        Assert.True(PostCursor.TryParse(cursor.ToString(), out var parsed));
        Assert.Equal(cursor, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 !")]
    [InlineData("MTIz")] // "123": no separator
    [InlineData("MTIzX3g")] // "123_x": not a guid
    [InlineData("LTFfMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA")] // "-1_000…": negative ticks
    [InlineData("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OV8wMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMA")] // ticks out of range
    public void TryParse_Garbage_False(string value) => Assert.False(PostCursor.TryParse(value, out _));
}
