using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;

namespace RedisJwt.IdentityServer.Tests.Messages;

/// <summary>
/// AddMessageProviders on a bare host, with only the given settings, validated as Program.cs validates at start:
/// the providers exactly as the consumers get them, without PostgreSQL or Redis.
/// </summary>
internal static class ProviderHost
{
    public static IHost Start(Dictionary<string, string?> settings, string environment = "Production",
        string? contentRoot = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = environment,
            ContentRootPath = contentRoot ?? Path.GetTempPath(),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddMessageProviders();
        var host = builder.Build();
        host.Services.GetRequiredService<IStartupValidator>().Validate();
        return host;
    }

    /// <summary>The startup failure; its text names the setting.</summary>
    public static string StartupError(Dictionary<string, string?> settings, string environment = "Production") =>
        Assert.ThrowsAny<Exception>(() => Start(settings, environment).Dispose()).ToString();

    public static IMessageProvider Provider(this IHost host, string channel) =>
        host.Services.GetRequiredKeyedService<IMessageProvider>(channel);

    public static DeliveredMessage Message(string id = "1718000000000-0", string channel = MessageChannels.Email,
        string recipient = "alice@example.com", string text = "Your code is 123456.") =>
        new(id, "message-topic-30s", MessageKinds.EmailVerification, channel, recipient, "Verify your email", text,
            Attempt: 1);
}
