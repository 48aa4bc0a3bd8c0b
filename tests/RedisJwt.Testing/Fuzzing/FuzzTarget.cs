namespace RedisJwt.Testing.Fuzzing;

/// <summary>
/// One endpoint to fuzz, described by a request it would accept (or nearly): the fuzzer breaks that request one part
/// at a time (<see cref="Malformations"/>). Values are given decoded; the fuzzer encodes them.
/// </summary>
public sealed record FuzzTarget(string Method, string Path)
{
    private static readonly Dictionary<string, string> None = [];

    /// <summary>The values of the <c>{placeholders}</c> in <see cref="Path"/>.</summary>
    public IReadOnlyDictionary<string, string> Route { get; init; } = None;

    public IReadOnlyDictionary<string, string> Query { get; init; } = None;

    /// <summary>An <c>application/x-www-form-urlencoded</c> body; null when the endpoint takes no form.</summary>
    public IReadOnlyDictionary<string, string>? Form { get; init; }

    /// <summary>A JSON object body (strings, numbers, booleans, arrays); null when the endpoint takes no JSON.</summary>
    public IReadOnlyDictionary<string, object?>? Json { get; init; }

    /// <summary>Sent with every variant: <c>Authorization</c>, <c>Cookie</c>...</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = None;

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>Shorthands for a table of targets (<c>using static</c>).</summary>
public static class FuzzValues
{
    /// <summary>Query, form, route or header values.</summary>
    public static Dictionary<string, string> Fields(params (string Name, string Value)[] fields) =>
        fields.ToDictionary(field => field.Name, field => field.Value);

    /// <summary>A JSON body's fields.</summary>
    public static Dictionary<string, object?> Json(params (string Name, object? Value)[] fields) =>
        fields.ToDictionary(field => field.Name, field => field.Value);
}
