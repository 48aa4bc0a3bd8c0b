using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>
/// Just enough of an SMTP server for a client to hand it a message (220, EHLO/HELO, MAIL FROM, RCPT TO, DATA,
/// QUIT): it offers no extension, STARTTLS included, and keeps what it is given.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly int? _refuseRecipientsWith;

    public sealed record Envelope(string MailFrom, IReadOnlyList<string> RcptTo, string Data);

    /// <param name="refuseRecipientsWith">550: the mailbox does not exist (permanent); 450: try later.</param>
    public SmtpSink(int? refuseRecipientsWith = null)
    {
        _refuseRecipientsWith = refuseRecipientsWith;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<Envelope> Received { get; } = new();

    private async Task AcceptAsync()
    {
        var sessions = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                sessions.Add(ServeAsync(client));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(sessions);
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };

        string? mailFrom = null;
        var rcptTo = new List<string>();
        await writer.WriteLineAsync("220 sink ESMTP");
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO" or "HELO":
                        await writer.WriteLineAsync("250 sink");
                        break;
                    case "MAIL":
                        mailFrom = line[(line.IndexOf(':') + 1)..].Trim();
                        await writer.WriteLineAsync("250 2.1.0 OK");
                        break;
                    case "RCPT" when _refuseRecipientsWith is { } code:
                        await writer.WriteLineAsync($"{code} {code / 100}.1.1 Not for this user now or ever: {line[(line.IndexOf(':') + 1)..].Trim()}");
                        break;
                    case "RCPT":
                        rcptTo.Add(line[(line.IndexOf(':') + 1)..].Trim());
                        await writer.WriteLineAsync("250 2.1.5 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                        Received.Enqueue(new Envelope(mailFrom ?? "", [.. rcptTo], await ReadDataAsync(reader)));
                        await writer.WriteLineAsync("250 2.0.0 Queued");
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye");
                        return;
                    default: // RSET, NOOP
                        await writer.WriteLineAsync("250 OK");
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException)
        {
            // The client hung up (as MailKit does after a refusal) or the sink is stopping.
        }
    }

    private async Task<string> ReadDataAsync(StreamReader reader)
    {
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(_stop.Token) is { } line && line != ".")
        {
            // RFC 5321 4.5.2: the client doubled every leading dot.
            data.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
        }

        return data.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
