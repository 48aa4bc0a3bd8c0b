using System.Text;

namespace RedisJwt.BoardApi.Posts;

/// <summary>The rules for the text of a post. Lengths count Unicode characters, as PostgreSQL's varchar does.</summary>
public static class PostText
{
    /// <summary>Null when <paramref name="value"/> is acceptable, else why not.</summary>
    public static string? Check(string? value, int maxLength, bool multiline)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "Required, and not only whitespace.";
        }

        var length = 0;
        for (var index = 0; index < value.Length;)
        {
            // Lone surrogates cannot be stored as UTF-8 (PostgreSQL would refuse them later).
            if (Rune.DecodeFromUtf16(value.AsSpan(index), out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return $"Contains invalid Unicode at position {index}.";
            }

            if (Rune.IsControl(rune) && !IsAllowedControl(value, index, multiline))
            {
                return multiline
                    ? $"Contains a control character (U+{rune.Value:X4}) at position {index}; only tabs and newlines are allowed."
                    : $"Contains a control character (U+{rune.Value:X4}) at position {index}; no control characters or newlines are allowed.";
            }

            index += consumed;
            length++;
        }

        return length > maxLength ? $"Must be at most {maxLength} characters (got {length})." : null;
    }

    // A carriage return counts as a newline only as part of CRLF, the way browsers submit a textarea.
    private static bool IsAllowedControl(string value, int index, bool multiline) => multiline && value[index] switch
    {
        '\n' or '\t' => true,
        '\r' => index + 1 < value.Length && value[index + 1] == '\n',
        _ => false,
    };
}
