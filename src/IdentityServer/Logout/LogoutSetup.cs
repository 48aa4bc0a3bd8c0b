using Microsoft.Extensions.Options;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.IdentityServer.Shared;

namespace RedisJwt.IdentityServer.Logout;

public static class LogoutSetup
{
    /// <summary>
    /// Back-channel logout (its topic, consumed by every instance's message consumers, and its sender) and front-channel
    /// logout, both advertised in discovery. Needs AddMessaging and AddOpenIdConnectServer.
    /// </summary>
    public static IHostApplicationBuilder AddLogoutNotifications(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LogoutSettings>().BindConfiguration(LogoutSettings.Section)
            .ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddSingleton<LogoutTokens>();
        builder.Services.AddScoped<BackChannelLogouts>();
        builder.Services.AddScoped<FrontChannelLogout>();
        builder.Services.AddKeyedSingleton<IMessageProvider, BackChannelLogoutSender>(BackChannelLogouts.Channel);
        builder.Services.AddSingleton(services => new DedicatedTopic(Topic(services.GetRequiredService<IOptions<LogoutSettings>>().Value)));

        builder.Services.AddOptions<OutboundSettings>().BindConfiguration(OutboundSettings.Section);
        builder.Services.AddHttpClient(BackChannelLogoutSender.HttpClientName)
            // Server to server, to an address a client registered: no cookies, a redirect is an answer (a refusal), never
            // followed to somewhere else, and no connection into this server's own network (ClientNetworkGuard).
            .ConfigurePrimaryHttpMessageHandler(services =>
                ClientNetworkGuard.Handler(services.GetRequiredService<IOptions<OutboundSettings>>().Value))
            .ConfigureHttpClient((services, client) =>
                client.Timeout = services.GetRequiredService<IOptions<LogoutSettings>>().Value.BackChannelTimeout)
            // The sender logs what matters; the default request logs would print each client's logout URI at every attempt.
            .RemoveAllLoggers();

        builder.Services.AddOpenIddict().AddServer(options => options.AddEventHandler(AdvertiseLogout.Descriptor));
        return builder;
    }

    // Its own stream and lanes: a client that is slow or down holds its own deliveries back, never another client's.
    private static MessageTopic Topic(LogoutSettings settings) => new()
    {
        Name = BackChannelLogouts.Topic,
        // The topic as a whole is limited per client below, not by a provider's quota.
        PerMinute = 1_000_000,
        PerRecipientConcurrency = settings.BackChannelPerClientConcurrency,
        PerRecipientPerMinute = settings.BackChannelPerClientPerMinute,
        MaxAttempts = settings.BackChannelMaxAttempts,
        RetryDelay = settings.BackChannelRetryDelay,
        MaxRetryDelay = settings.BackChannelMaxRetryDelay,
        SendTimeout = settings.BackChannelTimeout,
    };
}
