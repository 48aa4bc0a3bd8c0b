using System.Collections.Concurrent;
using System.Diagnostics;

namespace RedisJwt.EndToEnd.Tests;

/// <summary>The last lines a child process wrote (stdout and stderr), for assertions and failure messages.</summary>
public sealed class OutputTail
{
    private const int Lines = 200;
    private readonly ConcurrentQueue<string> _lines = new();

    private OutputTail()
    {
    }

    public string Text => string.Join('\n', _lines);

    /// <summary>Starts reading <paramref name="process"/>'s output, which must be redirected.</summary>
    public static OutputTail Of(Process process)
    {
        var tail = new OutputTail();
        process.OutputDataReceived += (_, line) => tail.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => tail.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tail;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        while (_lines.Count > Lines)
        {
            _lines.TryDequeue(out _);
        }
    }
}
