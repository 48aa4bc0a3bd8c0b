using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace RedisJwt.IdentityServer.Messages.Providers;

/// <summary>
/// Sends email through an SMTP server with MailKit, one connection per message: messages are few (codes, alerts)
/// and the per-topic send limit paces them, so a pooled connection would add failure modes and save little.
/// </summary>
public sealed class SmtpProvider(IOptions<SmtpSettings> settings, ILogger<SmtpProvider> logger) : IMessageProvider
{
    public async Task SendAsync(DeliveredMessage message, CancellationToken cancellationToken)
    {
        // Host, FromAddress and Password (with User) are checked at start (MessageProvidersSetup).
        var smtp = settings.Value;

        // No protocol logger: it would write the message, codes and links included.
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        try
        {
            var email = Compose(message, smtp);
            await client.ConnectAsync(smtp.Host!, smtp.Port, SocketOptions(smtp.Security), cancellationToken);
            if (!string.IsNullOrEmpty(smtp.User))
            {
                await client.AuthenticateAsync(smtp.User, smtp.Password!, cancellationToken);
            }

            await client.SendAsync(email, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (SmtpCommandException exception)
        {
            // Not the server's text, nor the exception (its message is that text): it often quotes the address.
            // A 5xx reply is a permanent refusal (RFC 5321 4.2.1): the same message would be refused again.
            throw new MessageNotAcceptedException(
                $"The SMTP server {smtp.Host} refused the message at {exception.ErrorCode}: {(int)exception.StatusCode} ({exception.StatusCode}).",
                permanent: (int)exception.StatusCode >= 500);
        }
        catch (ParseException)
        {
            // Not the exception: its message quotes the address.
            throw new MessageNotAcceptedException("The recipient is not an email address.", permanent: true);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new MessageNotAcceptedException(
                $"Sending through the SMTP server {smtp.Host}:{smtp.Port} failed ({exception.GetType().Name}).", exception);
        }

        logger.LogDebug("Message {MessageId} ({Kind}, {Topic}) for {Recipient} accepted by the SMTP server {Host}",
            message.Id, message.Kind, message.Topic, Recipients.Mask(message.Recipient), smtp.Host);
    }

    internal static MimeMessage Compose(DeliveredMessage message, SmtpSettings smtp)
    {
        var from = new MailboxAddress(smtp.FromName, smtp.FromAddress!);
        return new MimeMessage
        {
            From = { from },
            To = { MailboxAddress.Parse(message.Recipient) },
            Subject = message.Subject,
            // The same id on every attempt: a resend after a crash (sent, not yet acknowledged) is recognisable as such
            // by the server, the recipient's client and anyone reading the logs.
            MessageId = MessageId(message.Id, from.Domain),
            Body = new TextPart(MimeKit.Text.TextFormat.Plain) { Text = message.Text },
        };
    }

    /// <summary>
    /// "{id}.redisjwt@{domain}": the stream entry id ("1718000000000-0") is kept readable; any character a
    /// Message-Id's left part may not hold becomes "=XX".
    /// </summary>
    internal static string MessageId(string id, string domain)
    {
        var left = new StringBuilder();
        foreach (var character in Encoding.UTF8.GetBytes(id))
        {
            if (char.IsAsciiLetterOrDigit((char)character) || character is (byte)'-' or (byte)'_')
            {
                left.Append((char)character);
            }
            else
            {
                left.Append('=').Append(character.ToString("X2"));
            }
        }

        return $"{left}.redisjwt@{domain}";
    }

    private static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, null),
    };
}
