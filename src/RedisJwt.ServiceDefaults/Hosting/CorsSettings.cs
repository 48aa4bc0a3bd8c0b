using System.ComponentModel.DataAnnotations;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>The "Cors" section, the same in every service: which browser origins may call its APIs.</summary>
public sealed class CorsSettings : IValidatableObject
{
    public const string Section = "Cors";

    /// <summary>
    /// Origins exactly as browsers send them in the Origin header, e.g. "https://board.example.com" or
    /// "http://127.0.0.1:5173". Empty: no cross-origin calls (a same-origin app needs none).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var index = 0; index < AllowedOrigins.Count; index++)
        {
            if (!IsOrigin(AllowedOrigins[index]))
            {
                yield return new ValidationResult(
                    $"{Section}:{nameof(AllowedOrigins)}:{index} is '{AllowedOrigins[index]}', which is not an origin: it must be " +
                    "scheme://host[:port] as a browser sends it (no path or trailing slash, no default port, no '*').",
                    [nameof(AllowedOrigins)]);
            }
        }
    }

    /// <summary>
    /// The CORS middleware compares the Origin header as a string (RFC 6454 6.1 serialization), so anything else, such
    /// as a trailing slash, would silently never match; a wildcard would let every site read the responses.
    /// </summary>
    public static bool IsOrigin(string? value) =>
        !string.IsNullOrEmpty(value)
        && !value.Contains('*')
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Host.Length > 0
        && uri.UserInfo.Length == 0
        && string.Equals(uri.GetLeftPart(UriPartial.Authority), value, StringComparison.OrdinalIgnoreCase);
}
