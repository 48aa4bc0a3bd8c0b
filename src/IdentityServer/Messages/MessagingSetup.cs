using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.Messages;

public static class MessagingSetup
{
    /// <summary>
    /// The dispatcher, and this instance's consumers (one send limit per topic, its PerMinute) of the configured topics
    /// and every <see cref="DedicatedTopic"/> a feature registers. Needs AddRedis.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MessagingSettings>().BindConfiguration(MessagingSettings.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MessagingSettings>, DedicatedTopicsValidation>();
        builder.Services.AddSingleton<MessageMetrics>();
        builder.Services.AddSingleton<MessageSealing>();
        builder.Services.AddSingleton<QueuedMessages>();
        builder.Services.AddSingleton<IMessageDispatcher, MessageDispatcher>();
        builder.Services.AddHostedService<MessageConsumers>();

        builder.AddDistributedRateLimits();
        return builder;
    }
}
