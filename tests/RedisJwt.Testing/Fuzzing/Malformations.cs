using System.Text;
using System.Text.Json;

namespace RedisJwt.Testing.Fuzzing;

/// <summary>One request of a fuzz run: the endpoint, what is wrong with the request, and its exact bytes.</summary>
public sealed record MalformedRequest(FuzzTarget Target, string Malformation, byte[] Bytes)
{
    /// <summary>The body is shorter than its Content-Length: the sender closes its side after it.</summary>
    public bool Truncated { get; init; }

    public override string ToString() => $"{Target}: {Malformation}";
}

/// <summary>
/// The malformed variants of a <see cref="FuzzTarget"/>'s request, each wrong in one way: one value (NUL, lone
/// surrogates, invalid UTF-8, overlong, malformed percent-encoding, wrong JSON types, duplicated), or the body as a
/// whole (wrong or missing content type or charset, broken multipart, empty, truncated, over the form reader's limits),
/// or a header. Every value gets NUL, a lone surrogate and a duplicate; <paramref name="random"/>, seeded by the
/// caller, picks a few more per value, so that a run is repeatable and bounded.
/// </summary>
public sealed class Malformations(FuzzTarget target, string authority, Random random)
{
    /// <summary>How many value corruptions beyond the ones every value gets.</summary>
    public const int SampledPerValue = 3;

    private const string FormType = "application/x-www-form-urlencoded";
    private const string JsonType = "application/json";

    // Requests are assembled as "wire" strings, one char per byte (Latin-1), so that any byte can be placed anywhere;
    // a value is percent-encoded or JSON-escaped before it is put on the wire, unless the corruption is raw bytes.
    private static readonly (string Name, Func<string, string> Apply)[] UrlCorruptions =
    [
        ("NUL (%00)", value => value + "%00" + value),
        ("lone surrogate (%ED%A0%80)", value => value + "%ED%A0%80"),
        ("lone low surrogate (%ED%B0%80)", value => "%ED%B0%80" + value),
        ("invalid UTF-8 (%FF%FE)", value => value + "%FF%FE"),
        ("overlong UTF-8 NUL (%C0%80)", value => value + "%C0%80"),
        ("truncated UTF-8 (%E2%82)", value => value + "%E2%82"),
        ("raw invalid UTF-8 bytes", value => value + "\u00FF\u00C0"),
        ("raw NUL byte", value => value + "\u0000"),
        ("malformed percent-encoding", value => value + "%zz%4%"),
        ("control characters", value => value + "%01%1B%0D%0A%7F"),
        ("overlong (5,000 characters)", value => Repeat(value, 5_000)),
        ("overlong (70,000 characters)", value => Repeat(value, 70_000)),
        ("empty", _ => ""),
        ("plus signs and spaces", value => "+" + value + "+%20"),
        ("non-ASCII and emoji (valid)", value => value + Uri.EscapeDataString(" Zoë 😀 日本")),
    ];

    // Applied to the text inside a JSON string's quotes (already escaped), or to a non-string's literal.
    private static readonly (string Name, Func<string, string> Apply)[] JsonCorruptions =
    [
        ("NUL (\\u0000)", text => Quote(text + "\\u0000" + text)),
        ("lone surrogate (\\ud800)", text => Quote(text + "\\ud800")),
        ("lone low surrogate (\\udc00)", text => Quote("\\udc00" + text)),
        ("reversed surrogate pair", text => Quote(text + "\\udc00\\ud800")),
        ("raw NUL byte in a string", text => Quote(text + "\u0000")),
        ("raw invalid UTF-8 in a string", text => Quote(text + "\u00FF\u00C0\u00AF")),
        ("raw CESU-8 surrogate in a string", text => Quote(text + "\u00ED\u00A0\u0080")),
        ("bad escape (\\uZZZZ)", _ => Quote("\\uZZZZ")),
        ("number", _ => "12345"),
        ("huge number", _ => "1e999"),
        ("boolean", _ => "true"),
        ("array", text => $"[{Quote(text)},{Quote(text)}]"),
        ("object", text => $"{{\"value\":{Quote(text)}}}"),
        ("null", _ => "null"),
        ("overlong string (70,000 characters)", text => Quote(Repeat(text, 70_000))),
        ("escaped control characters", text => Quote(text + "\\t\\n\\r\\u0001\\u001b")),
        ("non-ASCII and emoji (valid)", text => Quote(text + Utf8Wire(" Zoë 😀 日本"))),
    ];

    /// <summary>Made one at a time: some bodies are megabytes.</summary>
    public IEnumerable<MalformedRequest> All() =>
        RouteValues().Concat(QueryValues()).Concat(FormValues()).Concat(JsonValues()).Concat(Bodies()).Concat(Everywhere());

    private IEnumerable<MalformedRequest> RouteValues() =>
        from name in target.Route.Keys
        from corruption in Pick(UrlCorruptions)
        select Request($"{corruption.Name} in route value {name}",
            path: PathWith(name, corruption.Apply(Uri.EscapeDataString(target.Route[name]))));

    private IEnumerable<MalformedRequest> QueryValues() =>
        from name in target.Query.Keys
        from variant in UrlFieldVariants(target.Query, name, $"query parameter {name}")
        select Request(variant.Malformation, query: variant.Wire);

    private IEnumerable<MalformedRequest> FormValues() =>
        target.Form is not { } form ? [] :
        from name in form.Keys
        from variant in UrlFieldVariants(form, name, $"form field {name}")
        select Request(variant.Malformation, body: (FormType, variant.Wire));

    private IEnumerable<MalformedRequest> JsonValues()
    {
        if (target.Json is not { } json)
        {
            yield break;
        }

        var literals = json.ToDictionary(field => field.Key, field => Utf8Wire(JsonSerializer.Serialize(field.Value)));
        foreach (var name in json.Keys)
        {
            var literal = literals[name];
            var text = literal.StartsWith('"') ? literal[1..^1] : literal;
            foreach (var corruption in Pick(JsonCorruptions))
            {
                yield return Request($"{corruption.Name} in JSON field {name}",
                    body: (JsonType, JsonObject(literals.Select(field => (field.Key, field.Key == name ? corruption.Apply(text) : field.Value)))));
            }

            yield return Request($"JSON field {name} duplicated", body: (JsonType, JsonObject(
                [.. literals.Select(field => (field.Key, field.Value)), (name, Quote(text + "-again"))])));
        }
    }

    /// <summary>The corruptions of one urlencoded field (query or form), each as the whole encoded string.</summary>
    private IEnumerable<(string Malformation, string Wire)> UrlFieldVariants(IReadOnlyDictionary<string, string> fields,
        string name, string where)
    {
        var encoded = fields.ToDictionary(field => field.Key, field => Uri.EscapeDataString(field.Value));
        foreach (var corruption in Pick(UrlCorruptions))
        {
            yield return ($"{corruption.Name} in {where}", Urlencoded(encoded.Select(field =>
                (field.Key, field.Key == name ? corruption.Apply(field.Value) : field.Value))));
        }

        yield return ($"{where} duplicated", Urlencoded([.. encoded.Select(field => (field.Key, field.Value)), (name, encoded[name] + "2")]));
        yield return ($"NUL (%00) in the name of {where}", Urlencoded(encoded.Select(field =>
            (field.Key == name ? field.Key + "%00" : field.Key, field.Value))));
    }

    private IEnumerable<MalformedRequest> Bodies()
    {
        if (target.Form is { } form)
        {
            var valid = Urlencoded(form.Select(field => (field.Key, Uri.EscapeDataString(field.Value))));
            foreach (var request in FormBodies(valid, form))
            {
                yield return request;
            }
        }
        else if (target.Json is { } json)
        {
            var valid = JsonObject(json.Select(field => (field.Key, Utf8Wire(JsonSerializer.Serialize(field.Value)))));
            foreach (var request in JsonBodies(valid))
            {
                yield return request;
            }
        }
        else
        {
            // Endpoints without a body still meet bodies: the guard must read them as safely as a handler would.
            yield return Request("form body with NUL", body: (FormType, "fuzz=a%00b"));
            yield return Request("JSON body with NUL", body: (JsonType, "{\"fuzz\":\"a\\u0000b\"}"));
            yield return Request("truncated form body", body: (FormType, "fuzz=abc"), truncateBy: 100);
            yield return Request("broken multipart body", body: ("multipart/form-data; boundary=fuzz", "--fuzz\r\ngarbage"));
        }
    }

    private IEnumerable<MalformedRequest> FormBodies(string valid, IReadOnlyDictionary<string, string> form)
    {
        var first = form.Keys.First();
        yield return Request("form without Content-Type", body: (null, valid));
        yield return Request("form labelled text/plain", body: ("text/plain", valid));
        yield return Request("form labelled JSON", body: (JsonType, valid));
        yield return Request("JSON body labelled a form", body: (FormType,
            JsonObject(form.Select(field => (field.Key, Quote(Utf8Wire(field.Value)))))));
        yield return Request("form in UTF-16 with NUL (%00)", body: ($"{FormType}; charset=utf-16",
            Encoding.Latin1.GetString(Encoding.Unicode.GetBytes(valid + "&fuzz=a%00b"))));
        yield return Request("form in an unknown charset", body: ($"{FormType}; charset=bogus", valid));
        yield return Request("form in UTF-7", body: ($"{FormType}; charset=utf-7", valid + "&fuzz=+AAA-"));
        yield return Request("empty form", body: (FormType, ""));
        yield return Request("truncated form", body: (FormType, valid), truncateBy: 100);
        yield return Request("field without '='", body: (FormType, valid + "&lonely"));
        yield return Request("separators only", body: (FormType, "&&=&==&"));
        yield return Request("too many fields (1,100)", body: (FormType,
            valid + string.Concat(Enumerable.Range(0, 1_100).Select(index => $"&f{index}=v"))));
        yield return Request("field name too long (3,000 characters)", body: (FormType, valid + $"&{new string('n', 3_000)}=v"));
        yield return Request("field value too long (4.5 MB)", body: (FormType, valid + $"&fuzz={new string('v', 4_500_000)}"));

        yield return Multipart("multipart (valid)", form, boundary: "fuzzboundary");
        yield return Multipart("multipart with a raw NUL in a value", form, value: "a\u0000b");
        yield return Multipart("multipart with a raw lone surrogate (CESU-8) in a value", form, value: "a\u00ED\u00A0\u0080b");
        yield return Multipart("multipart with raw invalid UTF-8 in a value", form, value: "a\u00FF\u00C0b");
        yield return Multipart("multipart with NUL in a field name", form, name: first + "\u0000");
        yield return Multipart("multipart file with NUL in its file name", form, fileName: "a\u0000b.txt");
        yield return Request("multipart without boundary", body: ("multipart/form-data", MultipartBody(form, "fuzz")));
        yield return Request("multipart with a boundary too long", body: ($"multipart/form-data; boundary={new string('b', 100)}",
            MultipartBody(form, new string('b', 100))));
        var whole = MultipartBody(form, "fuzz");
        yield return Request("multipart cut short", body: ("multipart/form-data; boundary=fuzz", whole[..(whole.Length / 2)]));
        yield return Request("multipart without closing boundary", body: ("multipart/form-data; boundary=fuzz", whole[..whole.LastIndexOf("--fuzz--", StringComparison.Ordinal)]));
        yield return Request("multipart part without Content-Disposition", body: ("multipart/form-data; boundary=fuzz",
            "--fuzz\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--fuzz--\r\n"));
        yield return Request("multipart truncated", body: ("multipart/form-data; boundary=fuzz", whole), truncateBy: 100);
    }

    private IEnumerable<MalformedRequest> JsonBodies(string valid)
    {
        yield return Request("JSON without Content-Type", body: (null, valid));
        yield return Request("JSON labelled text/plain", body: ("text/plain", valid));
        yield return Request("JSON labelled a form", body: (FormType, valid));
        yield return Request("form body labelled JSON", body: (JsonType, "email=a%00b&password=x"));
        yield return Request("form body with NUL (%00)", body: (FormType, "email=a%00b&password=x"));
        yield return Request("JSON in UTF-16", body: ($"{JsonType}; charset=utf-16", Encoding.Latin1.GetString(Encoding.Unicode.GetBytes(valid))));
        yield return Request("JSON in an unknown charset", body: ($"{JsonType}; charset=bogus", valid));
        yield return Request("empty JSON body", body: (JsonType, ""));
        yield return Request("truncated JSON body", body: (JsonType, valid), truncateBy: 100);
        yield return Request("not JSON", body: (JsonType, "{"));
        yield return Request("JSON null", body: (JsonType, "null"));
        yield return Request("JSON array", body: (JsonType, $"[{valid}]"));
        yield return Request("JSON string", body: (JsonType, "\"text\""));
        yield return Request("JSON nested 1,000 deep", body: (JsonType, new string('[', 1_000) + new string(']', 1_000)));
        yield return Request("JSON with a UTF-8 BOM", body: (JsonType, "\u00EF\u00BB\u00BF" + valid));
        yield return Request("JSON with trailing garbage", body: (JsonType, valid + "}}x"));
        yield return Request("raw invalid UTF-8 outside strings", body: (JsonType, valid[..^1] + "\u00FF}"));
        yield return Request("NUL (\\u0000) in a property name", body: (JsonType, valid[..^1] + ",\"fu\\u0000zz\":\"x\"}"));
        yield return Request("lone surrogate (\\ud800) in a property name", body: (JsonType, valid[..^1] + ",\"fu\\ud800zz\":\"x\"}"));
        yield return Request("JSON body of 2 MB", body: (JsonType, valid[..^1] + $",\"fuzz\":\"{new string('x', 2_000_000)}\"}}"));
        yield return Request("JSON as multipart", body: ("multipart/form-data; boundary=fuzz",
            $"--fuzz\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{valid}\r\n--fuzz--\r\n"));
    }

    private IEnumerable<MalformedRequest> Everywhere()
    {
        var path = PathWith(null, null);
        yield return Request("NUL (%00) in the path", path: path + "%00");
        yield return Request("lone surrogate (%ED%A0%80) in the path", path: path + "%ED%A0%80");
        yield return Request("invalid UTF-8 (%FF) in the path", path: path + "%FF");
        yield return Request("NUL (%00) in an extra query parameter", query: Urlencoded([.. EncodedQuery(), ("fuzz", "a%00b")]));
        yield return Request("lone surrogate in an extra query parameter's name", query: Urlencoded([.. EncodedQuery(), ("%ED%A0%80", "x")]));
        yield return Request("malformed query string", query: "&&=%%=&%00&=");
        yield return Request("NUL byte in a header", headers: "X-Fuzz: a\u0000b\r\n");
        yield return Request("raw UTF-8 in a header", headers: $"X-Fuzz: {Utf8Wire("Zoë 😀")}\r\n");
        yield return Request("Content-Type given twice", headers: $"Content-Type: {JsonType}\r\n");
        // Client credentials in the Basic scheme are form-urlencoded, then base64 (RFC 6749 2.3.1): the server decodes both.
        foreach (var (credentials, what) in new[] { ("a%00b:secret", "%00 in the client id"), ("client:a%00b", "%00 in the secret"),
            ("%ED%A0%80:secret", "a lone surrogate in the client id"), ("%FF%FE:secret", "invalid UTF-8 in the client id"),
            ("no-colon", "no colon"), ("\u0000:\u0000", "raw NULs") })
        {
            yield return Request($"Basic credentials with {what}",
                headers: $"Authorization: Basic {Convert.ToBase64String(Encoding.Latin1.GetBytes(credentials))}\r\n");
        }

        yield return Request("Basic credentials not base64", headers: "Authorization: Basic !!!not-base64!!!\r\n");
    }

    private MalformedRequest Multipart(string malformation, IReadOnlyDictionary<string, string> form, string boundary = "fuzz",
        string? value = null, string? name = null, string? fileName = null)
    {
        var fields = form.ToDictionary(field => field.Key, field => Utf8Wire(field.Value));
        var first = fields.Keys.First();
        if (value is not null)
        {
            fields[first] = value;
        }

        if (name is not null)
        {
            fields[name] = fields[first];
        }

        var body = MultipartBody(fields, boundary);
        if (fileName is not null)
        {
            body = body[..body.LastIndexOf($"--{boundary}--", StringComparison.Ordinal)]
                + $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"\r\n"
                + $"Content-Type: application/octet-stream\r\n\r\nfile content\r\n--{boundary}--\r\n";
        }

        return Request(malformation, body: ($"multipart/form-data; boundary={boundary}", body));
    }

    private static string MultipartBody(IReadOnlyDictionary<string, string> fields, string boundary) =>
        string.Concat(fields.Select(field =>
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"{field.Key}\"\r\n\r\n{field.Value}\r\n")) + $"--{boundary}--\r\n";

    private MalformedRequest Request(string malformation, string? path = null, string? query = null,
        (string? ContentType, string Wire)? body = null, int truncateBy = 0, string headers = "")
    {
        path ??= PathWith(null, null);
        query ??= Urlencoded(EncodedQuery());
        body ??= ValidBody();
        var head = new StringBuilder()
            .Append($"{target.Method} {path}{(query.Length > 0 ? "?" + query : "")} HTTP/1.1\r\n")
            .Append($"Host: {authority}\r\nConnection: close\r\n");
        // A malformation's own Authorization header replaces the target's.
        foreach (var (name, value) in target.Headers.Where(header => !(header.Key == "Authorization" && headers.StartsWith("Authorization:", StringComparison.Ordinal))))
        {
            head.Append($"{name}: {value}\r\n");
        }

        head.Append(headers);
        if (body is { } content)
        {
            if (content.ContentType is not null)
            {
                head.Append($"Content-Type: {content.ContentType}\r\n");
            }

            head.Append($"Content-Length: {content.Wire.Length + truncateBy}\r\n");
        }

        head.Append("\r\n");
        return new MalformedRequest(target, malformation, Encoding.Latin1.GetBytes(head + (body?.Wire ?? "")))
        {
            Truncated = truncateBy > 0,
        };
    }

    private (string? ContentType, string Wire)? ValidBody() =>
        target.Form is { } form ? (FormType, Urlencoded(form.Select(field => (field.Key, Uri.EscapeDataString(field.Value)))))
        : target.Json is { } json ? (JsonType, JsonObject(json.Select(field => (field.Key, Utf8Wire(JsonSerializer.Serialize(field.Value))))))
        : null;

    private IEnumerable<(string, string)> EncodedQuery() =>
        target.Query.Select(parameter => (parameter.Key, Uri.EscapeDataString(parameter.Value)));

    /// <summary>The path with its route values encoded, <paramref name="name"/>'s replaced by <paramref name="wire"/>.</summary>
    private string PathWith(string? name, string? wire) =>
        target.Route.Aggregate(target.Path, (path, value) =>
            path.Replace($"{{{value.Key}}}", value.Key == name ? wire : Uri.EscapeDataString(value.Value), StringComparison.Ordinal));

    /// <summary>The corruptions every value gets (the first two), and <see cref="SampledPerValue"/> more at random.</summary>
    private IEnumerable<(string Name, Func<string, string> Apply)> Pick((string Name, Func<string, string> Apply)[] corruptions) =>
        [.. corruptions[..2], .. corruptions[2..].OrderBy(_ => random.Next()).Take(SampledPerValue)];

    private static string Urlencoded(IEnumerable<(string Name, string Value)> fields) =>
        string.Join('&', fields.Select(field => $"{field.Name}={field.Value}"));

    private static string JsonObject(IEnumerable<(string Name, string Literal)> fields) =>
        "{" + string.Join(',', fields.Select(field => $"{JsonSerializer.Serialize(field.Name)}:{field.Literal}")) + "}";

    private static string Quote(string text) => $"\"{text}\"";

    private static string Repeat(string value, int length) =>
        string.Concat(Enumerable.Repeat(value.Length > 0 ? value : "a", length / Math.Max(value.Length, 1) + 1))[..length];

    /// <summary>UTF-8 bytes as a wire string.</summary>
    private static string Utf8Wire(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));
}
