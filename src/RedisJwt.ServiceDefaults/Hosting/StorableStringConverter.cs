using System.Text.Json;
using System.Text.Json.Serialization;

namespace RedisJwt.ServiceDefaults.Hosting;

/// <summary>
/// Every string read from a JSON request body follows <see cref="StorableText"/>: JSON may spell U+0000 (and lone
/// surrogates) as escapes (RFC 8259 7), which would otherwise reach PostgreSQL. Registered in the HTTP JSON options, so
/// <see cref="JsonBody"/> answers it as a 400 naming the field. Writing is unchanged.
/// </summary>
public sealed class StorableStringConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            // Answered like the built-in converter's refusal: a JsonException with the path of the value.
            throw new JsonException();
        }

        return Checked(ref reader);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    // Dictionary keys are strings too (validation problems' errors, read bodies). Written as they are: the HTTP JSON
    // options set no DictionaryKeyPolicy.
    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);

    private static string Checked(ref Utf8JsonReader reader)
    {
        string value;
        try
        {
            value = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader's own refusal of an escaped lone surrogate or of bytes that are not UTF-8.
            throw new UnstorableJsonStringException();
        }

        return StorableText.IsStorable(value) ? value : throw new UnstorableJsonStringException();
    }
}

/// <summary>A JSON string that is not text PostgreSQL can store (see <see cref="StorableText"/>).</summary>
public sealed class UnstorableJsonStringException()
    : JsonException("Not valid text: invalid UTF-8, U+0000 and unpaired surrogates are not accepted.");
