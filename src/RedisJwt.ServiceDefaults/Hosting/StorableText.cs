using System.Buffers;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// The rule for text a request may carry: what PostgreSQL's text types can store, i.e. any Unicode text except U+0000,
/// in well-formed UTF-16 (a lone surrogate has no UTF-8 form). Anything else would reach Npgsql and fail there (22021,
/// or an encoder exception): a 500 for the client's mistake. Applied once at the edge, to query, path and form values
/// (<see cref="MalformedInputGuard"/>) and to JSON strings (<see cref="StorableStringConverter"/>).
/// </summary>
public static class StorableText
{
    // NUL and every surrogate; a surrogate found is checked for its pair.
    private static readonly SearchValues<char> Suspects =
        SearchValues.Create("\0" + string.Concat(Enumerable.Range(0xD800, 0x800).Select(code => (char)code)));

    public static bool IsStorable(ReadOnlySpan<char> text) => IndexOfUnstorable(text) < 0;

    /// <returns>The index of the first character that cannot be stored, or -1.</returns>
    public static int IndexOfUnstorable(ReadOnlySpan<char> text)
    {
        var offset = 0;
        while (text[offset..].IndexOfAny(Suspects) is >= 0 and var found)
        {
            var index = offset + found;
            if (!char.IsHighSurrogate(text[index]) || index + 1 == text.Length || !char.IsLowSurrogate(text[index + 1]))
            {
                return index;
            }

            offset = index + 2;
        }

        return -1;
    }

    /// <summary><paramref name="text"/> safe to show in an error: unstorable characters replaced, at most 64 characters.</summary>
    public static string Printable(string text)
    {
        var shown = text.Length > 64 ? text[..64] + "…" : text;
        return IsStorable(shown) ? shown : string.Create(shown.Length, shown, (chars, source) =>
        {
            source.CopyTo(chars);
            for (int index; (index = IndexOfUnstorable(chars)) >= 0;)
            {
                chars[index] = '\uFFFD';
            }
        });
    }
}
