using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;

namespace RedisJwt.ServiceDefaults.Telemetry;

/// <summary>
/// Keeps secrets out of every log sink, whatever level an operator turns a category up to. Two sources print them:
/// OpenIddict (its Trace entries carry whole tokens and the codes' reference ids; its Information entries the request
/// and response, where it redacts secrets and tokens but not code_verifier), ASP.NET Core's request log, whose query
/// strings carry email confirmation and password reset codes, and Razor Pages' Trace log of handler arguments. Their entries are rewritten here, value by
/// value, before any provider sees them.
/// </summary>
public static partial class SecretRedaction
{
    public const string Redacted = "[redacted]";

    // OAuth parameters that are credentials or tokens (RFC 6749, 7009, 7523, 7636, 8628, 8693), and this server's own
    // link codes.
    private static readonly HashSet<string> SecretParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "access_token", "actor_token", "assertion", "client_assertion", "client_secret", "code", "code_verifier",
        "device_code", "id_token", "id_token_hint", "password", "refresh_token", "subject_token", "token", "user_code",
        "newPassword", "currentPassword",
    };

    // Values OpenIddict logs under these names are whole tokens ("Payload" too: the signed or encrypted token) or the
    // reference ids that stand for codes and refresh tokens; Razor Pages and MVC log a handler's arguments (at Trace),
    // e.g. a reset code bound from the query.
    private static readonly HashSet<string> SecretValues = new(StringComparer.Ordinal) { "Token", "Payload", "ReferenceId", "Arguments" };

    /// <summary>Wraps the logger factory, so that loggers of every provider (added before or after this call) are covered.</summary>
    public static IServiceCollection AddSecretRedaction(this IServiceCollection services)
    {
        if (services.Any(service => service.ServiceType == typeof(RedactionApplied)))
        {
            return services; // Already wrapped.
        }

        var factory = services.LastOrDefault(service => service.ServiceType == typeof(ILoggerFactory));

        // Failing open would log secrets silently: a host that swaps the factory must wrap it itself.
        var type = factory?.ImplementationType ?? throw new InvalidOperationException(
            "The ILoggerFactory is registered in a way AddSecretRedaction cannot wrap (an instance or a delegate): log secrets would not be redacted.");

        services.AddSingleton<RedactionApplied>();
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(provider =>
            new RedactingLoggerFactory((ILoggerFactory)ActivatorUtilities.CreateInstance(provider, type))));
        return services;
    }

    private sealed class RedactionApplied;

    /// <summary>Whether entries of this category are rewritten.</summary>
    public static bool Applies(string category) =>
        category.StartsWith("OpenIddict", StringComparison.Ordinal)
        || category.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal)
        || category.StartsWith("Microsoft.AspNetCore.Mvc", StringComparison.Ordinal);

    /// <summary>A logged value with its secrets replaced.</summary>
    public static object? Redact(string name, object? value) => value switch
    {
        null => null,
        _ when SecretValues.Contains(name) => Redacted,
        OpenIddictMessage message => RedactMessage(message),
        string text => RedactText(text),
        // Forms a URL or query can take when logged as a value, not as text.
        Uri or Microsoft.AspNetCore.Http.QueryString or Microsoft.AspNetCore.Http.PathString
            or Microsoft.Extensions.Primitives.StringValues => RedactText(value.ToString() ?? ""),
        _ => value,
    };

    /// <summary>Query strings (<c>?code=...</c>) and JSON (<c>"code": "..."</c>) with secret parameters blanked.</summary>
    public static string RedactText(string text)
    {
        if (!text.Contains('=') && !text.Contains('"'))
        {
            return text;
        }

        text = QueryParameter().Replace(text, match =>
            SecretParameters.Contains(Uri.UnescapeDataString(match.Groups["name"].Value)) ? $"{match.Groups["lead"].Value}{match.Groups["name"].Value}={Redacted}" : match.Value);
        return JsonParameter().Replace(text, match =>
            SecretParameters.Contains(match.Groups["name"].Value) ? $"\"{match.Groups["name"].Value}\": \"{Redacted}\"" : match.Value);
    }

    private static string RedactMessage(OpenIddictMessage message)
    {
        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, parameter) in message.GetParameters())
        {
            parameters[name] = SecretParameters.Contains(name) ? Redacted : parameter.ToString();
        }

        return JsonSerializer.Serialize(parameters, IndentedJson);
    }

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    // After "?", "&" or "#": a fragment carries tokens in the implicit and form_post-less hybrid responses.
    [GeneratedRegex(@"(?<lead>[?&#])(?<name>[^=&\s#]+)=(?<value>[^&\s#""]*)")]
    private static partial Regex QueryParameter();

    [GeneratedRegex(@"""(?<name>[A-Za-z_]+)""\s*:\s*""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex JsonParameter();
}

internal sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return SecretRedaction.Applies(categoryName) ? new RedactingLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}

internal sealed partial class RedactingLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }

        if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            inner.Log(logLevel, eventId, state, exception, (value, error) => SecretRedaction.RedactText(formatter(value, error)));
            return;
        }

        var redacted = new RedactedState(values.Select(pair => pair.Key == "{OriginalFormat}"
            ? pair
            : new KeyValuePair<string, object?>(pair.Key, SecretRedaction.Redact(pair.Key, pair.Value))).ToList());
        inner.Log(logLevel, eventId, redacted, exception, static (value, _) => value.ToString());
    }

    /// <summary>The structured values, and the message rebuilt from its template with them.</summary>
    private sealed partial class RedactedState(List<KeyValuePair<string, object?>> values)
        : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => values[index];

        public int Count => values.Count;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString()
        {
            var template = values.FirstOrDefault(pair => pair.Key == "{OriginalFormat}").Value as string ?? "";
            // A template may name a placeholder twice: the first value wins, as in the framework's formatter.
            var byName = values.Where(pair => pair.Key != "{OriginalFormat}").DistinctBy(pair => pair.Key)
                .ToDictionary(pair => pair.Key, pair => pair.Value);
            return Placeholder().Replace(template, match => byName.TryGetValue(match.Groups["name"].Value, out var value)
                ? value switch
                {
                    IFormattable formattable when match.Groups["format"].Success => formattable.ToString(match.Groups["format"].Value, null),
                    System.Collections.IEnumerable items and not string => string.Join(", ", items.Cast<object?>()),
                    _ => value?.ToString() ?? "(null)",
                }
                : match.Value);
        }

        [GeneratedRegex(@"\{(?<name>[^{}:,]+)(,[^{}:]*)?(:(?<format>[^{}]*))?\}")]
        private static partial Regex Placeholder();
    }
}
