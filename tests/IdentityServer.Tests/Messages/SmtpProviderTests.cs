using System.Text;
using Microsoft.Extensions.Hosting;
using MimeKit;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;

namespace RedisJwt.IdentityServer.Tests.Messages;

public sealed class SmtpProviderTests
{
    [Fact]
    public async Task Send_HandsTheServerFromToSubjectPlainBodyAndMessageId()
    {
        await using var sink = new SmtpSink();
        using var host = SmtpHost(sink);
        var message = ProviderHost.Message(text: "Your code is 123456.\n.A line that starts with a dot.");

        await host.Provider(MessageChannels.Email).SendAsync(message, CancellationToken.None);

        var envelope = Assert.Single(sink.Received);
        Assert.Equal("<no-reply@redisjwt.example>", envelope.MailFrom);
        Assert.Equal(["<alice@example.com>"], envelope.RcptTo);
        var email = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(envelope.Data)));
        var from = Assert.IsType<MailboxAddress>(Assert.Single(email.From));
        Assert.Equal(("RedisJwt Test", "no-reply@redisjwt.example"), (from.Name, from.Address));
        Assert.Equal("alice@example.com", Assert.IsType<MailboxAddress>(Assert.Single(email.To)).Address);
        Assert.Equal("Verify your email", email.Subject);
        Assert.Equal("1718000000000-0.redisjwt@redisjwt.example", email.MessageId);
        var body = Assert.IsType<TextPart>(email.Body);
        Assert.True(body.IsPlain);
        Assert.Equal(message.Text, body.Text.TrimEnd().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Send_SameMessageTwice_SameMessageId()
    {
        await using var sink = new SmtpSink();
        using var host = SmtpHost(sink);
        var message = ProviderHost.Message(id: "1718000000005-3");

        await host.Provider(MessageChannels.Email).SendAsync(message, CancellationToken.None);
        await host.Provider(MessageChannels.Email).SendAsync(message with { Attempt = 2 }, CancellationToken.None);

        var ids = sink.Received.Select(envelope =>
            MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(envelope.Data))).MessageId).ToList();
        Assert.Equal(["1718000000005-3.redisjwt@redisjwt.example", "1718000000005-3.redisjwt@redisjwt.example"], ids);
    }

    [Theory]
    [InlineData(550, true)]
    [InlineData(450, false)]
    public async Task Send_RecipientRefused_ThrowsWithoutTheServersText_PermanentOnlyFor5xx(int code, bool permanent)
    {
        await using var sink = new SmtpSink(refuseRecipientsWith: code);
        using var host = SmtpHost(sink);

        var error = await Assert.ThrowsAsync<MessageNotAcceptedException>(() =>
            host.Provider(MessageChannels.Email).SendAsync(ProviderHost.Message(), CancellationToken.None));

        Assert.Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
        Assert.Equal(permanent, error.Permanent);
        Assert.DoesNotContain("alice", error.ToString());
        Assert.Empty(sink.Received);
    }

    [Fact]
    public async Task Send_RecipientNotAnAddress_PermanentWithoutTheAddress()
    {
        await using var sink = new SmtpSink();
        using var host = SmtpHost(sink);

        var error = await Assert.ThrowsAsync<MessageNotAcceptedException>(() =>
            host.Provider(MessageChannels.Email).SendAsync(ProviderHost.Message() with { Recipient = "alice at nowhere" }, CancellationToken.None));

        Assert.True(error.Permanent);
        Assert.DoesNotContain("alice", error.ToString());
        Assert.Empty(sink.Received);
    }

    [Fact]
    public async Task Send_StartTlsRequiredButNotOffered_Throws()
    {
        await using var sink = new SmtpSink();
        using var host = SmtpHost(sink, security: "StartTls");

        await Assert.ThrowsAsync<MessageNotAcceptedException>(() =>
            host.Provider(MessageChannels.Email).SendAsync(ProviderHost.Message(), CancellationToken.None));

        Assert.Empty(sink.Received);
    }

    [Theory]
    [InlineData("1718000000000-0", "1718000000000-0.redisjwt@example.com")]
    [InlineData("a.b@c d", "a=2Eb=40c=20d.redisjwt@example.com")]
    public void MessageId_FromTheMessageId_ValidLeftPart(string id, string expected) =>
        Assert.Equal(expected, SmtpProvider.MessageId(id, "example.com"));

    private static IHost SmtpHost(SmtpSink sink, string security = "None") =>
        ProviderHost.Start(new()
        {
            ["Messages:Providers:Email"] = "smtp",
            ["Messages:Providers:Sms"] = "folder",
            ["Messages:Smtp:Host"] = "127.0.0.1",
            ["Messages:Smtp:Port"] = sink.Port.ToString(),
            ["Messages:Smtp:Security"] = security,
            ["Messages:Smtp:FromAddress"] = "no-reply@redisjwt.example",
            ["Messages:Smtp:FromName"] = "RedisJwt Test",
            ["Messages:Smtp:Timeout"] = "00:00:05",
        });
}
