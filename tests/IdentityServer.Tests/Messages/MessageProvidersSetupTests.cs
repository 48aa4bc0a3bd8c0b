using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>A provider chosen without its settings stops the server at start, naming the setting.</summary>
public sealed class MessageProvidersSetupTests
{
    [Fact]
    public void Webhook_WithoutUrl_FailsAtStartNamingTheSetting()
    {
        var error = ProviderHost.StartupError(new()
        {
            ["Messages:Providers:Email"] = "folder",
            ["Messages:Providers:Sms"] = "webhook",
        });

        Assert.Contains("Messages:Webhook:Url", error);
    }

    [Fact]
    public void Production_NoProviderChosen_FailsAtStartNamingTheSettings()
    {
        var error = ProviderHost.StartupError(new());

        Assert.Contains("Messages:Providers:Email is not set", error);
        Assert.Contains("Messages:Providers:Sms is not set", error);
    }

    [Fact]
    public void Development_NoProviderChosen_EveryChannelUsesTheFolder()
    {
        using var host = ProviderHost.Start(new(), environment: "Development");

        Assert.IsType<FolderProvider>(host.Provider(MessageChannels.Email));
        Assert.IsType<FolderProvider>(host.Provider(MessageChannels.Sms));
    }

    [Fact]
    public void Sms_ThroughSmtp_FailsAtStartNamingTheSetting()
    {
        var error = ProviderHost.StartupError(new()
        {
            ["Messages:Providers:Email"] = "folder",
            ["Messages:Providers:Sms"] = "smtp",
        });

        Assert.Contains("Messages:Providers:Sms is 'smtp'", error);
    }

    [Fact]
    public void Webhook_PlainHttpToAnotherHost_FailsAtStart()
    {
        var error = ProviderHost.StartupError(new()
        {
            ["Messages:Providers:Email"] = "webhook",
            ["Messages:Providers:Sms"] = "webhook",
            ["Messages:Webhook:Url"] = "http://gateway.example/send",
        });

        Assert.Contains("Messages:Webhook:Url must use https", error);
    }

    [Fact]
    public void Smtp_PasswordWithoutTls_FailsAtStart()
    {
        var error = ProviderHost.StartupError(new()
        {
            ["Messages:Providers:Email"] = "smtp",
            ["Messages:Providers:Sms"] = "folder",
            ["Messages:Smtp:Host"] = "mail.example",
            ["Messages:Smtp:FromAddress"] = "no-reply@example.com",
            ["Messages:Smtp:User"] = "mailer",
            ["Messages:Smtp:Password"] = "hunter2",
            ["Messages:Smtp:Security"] = "None",
        });

        Assert.Contains("Messages:Smtp:Security is None", error);
        Assert.DoesNotContain("hunter2", error);
    }

    [Fact]
    public void ChosenProviders_Configured_Start()
    {
        using var host = ProviderHost.Start(new()
        {
            ["Messages:Providers:Email"] = "SMTP",
            ["Messages:Providers:Sms"] = "webhook",
            ["Messages:Smtp:Host"] = "mail.example",
            ["Messages:Smtp:FromAddress"] = "no-reply@example.com",
            ["Messages:Webhook:Url"] = "https://gateway.example/send",
        });

        Assert.IsType<SmtpProvider>(host.Provider(MessageChannels.Email));
        Assert.IsType<WebhookProvider>(host.Provider(MessageChannels.Sms));
    }

    [Theory]
    [InlineData("alice@example.com", "a***@example.com")]
    [InlineData("+821012345678", "***5678")]
    [InlineData("12345", "***")]
    public void Recipients_Mask_KeepsEnoughToTellApart(string recipient, string expected) =>
        Assert.Equal(expected, Recipients.Mask(recipient));
}
