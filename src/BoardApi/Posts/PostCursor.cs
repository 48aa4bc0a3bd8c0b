using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace RedisJwt.BoardApi.Posts;

/// <summary>
/// Where the next page starts: the (created, id) of the last post returned. Keyset pagination stays correct and fast
/// while posts are added, unlike an offset. Opaque to clients (base64url), but not secret.
/// </summary>
public readonly record struct PostCursor(DateTimeOffset CreatedAt, Guid Id)
{
    public override string ToString() => WebEncoders.Base64UrlEncode(Encoding.ASCII.GetBytes(
        $"{CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}_{Id:N}"));

    public static bool TryParse(string value, [NotNullWhen(true)] out PostCursor? cursor)
    {
        cursor = null;
        try
        {
            var parts = Encoding.ASCII.GetString(WebEncoders.Base64UrlDecode(value)).Split('_');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParseExact(parts[1], "N", out var id))
            {
                cursor = new PostCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
            }
        }
        catch (FormatException)
        {
            // Not base64url: handled as invalid below.
        }

        return cursor is not null;
    }
}
