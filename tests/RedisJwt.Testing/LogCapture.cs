using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RedisJwt.Testing;

/// <summary>
/// A logger provider keeping every log entry as text: the formatted message, each structured state and scope value,
/// and the exception, so a test can look for what must never be logged.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(string Category, LogLevel Level, string Text)> _entries = new();

    public IReadOnlyCollection<(string Category, LogLevel Level, string Text)> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable BeginScope<TState>(TState state) where TState : notnull
        {
            capture._entries.Enqueue((category, LogLevel.None, "scope: " + Describe(state)));
            return NoScope.Instance;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            capture._entries.Enqueue((category, logLevel,
                $"{formatter(state, exception)} | state: {Describe(state)} | exception: {exception}"));
        }

        private static string Describe(object? state) => state switch
        {
            IEnumerable<KeyValuePair<string, object?>> pairs => string.Join(", ", pairs.Select(pair => $"{pair.Key}={Describe(pair.Value)}")),
            string text => text,
            IEnumerable items => string.Join(", ", items.Cast<object?>().Select(Describe)),
            _ => state?.ToString() ?? "",
        };
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();

        public void Dispose()
        {
        }
    }
}
