using System.Text.RegularExpressions;

namespace RedisJwt.Testing;

/// <summary>Reads the confirmation or reset link out of a message's text, as a user follows it from their inbox.</summary>
public static class MessageLinks
{
    /// <summary>The link to <paramref name="path"/> in <paramref name="text"/>: its path and query, and its userId and code.</summary>
    public static (string PathAndQuery, string UserId, string Code) Find(string text, string path)
    {
        var match = Regex.Match(text, $@"https?://\S+?{Regex.Escape(path)}\?userId=(?<user>[^&\s]+)&code=(?<code>[A-Za-z0-9_-]+)");
        Assert.True(match.Success, $"No {path} link in: {text}");
        var url = new Uri(match.Value);
        return (url.PathAndQuery, Uri.UnescapeDataString(match.Groups["user"].Value), match.Groups["code"].Value);
    }
}
