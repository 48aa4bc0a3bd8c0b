using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RedisJwt.IdentityServer.Messages.Providers;

public static class MessageProvidersSetup
{
    /// <summary>
    /// One <see cref="IMessageProvider"/> per channel, keyed by its name in <see cref="MessageChannels"/>: a consumer
    /// resolves <c>GetRequiredKeyedService&lt;IMessageProvider&gt;(message.Channel)</c>. Which provider serves a channel
    /// is Messages:Providers:{Channel}; the chosen providers' settings are checked at start.
    /// </summary>
    public static IHostApplicationBuilder AddMessageProviders(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MessageProviderSettings>()
            .BindConfiguration(MessageProviderSettings.Section)
            .PostConfigure<IHostEnvironment>((providers, environment) =>
            {
                if (environment.IsDevelopment())
                {
                    providers.Email = string.IsNullOrWhiteSpace(providers.Email) ? MessageProviderNames.Folder : providers.Email;
                    providers.Sms = string.IsNullOrWhiteSpace(providers.Sms) ? MessageProviderNames.Folder : providers.Sms;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MessageProviderSettings>, ChosenProvidersValidator>();

        builder.Services.AddOptions<WebhookSettings>().BindConfiguration(WebhookSettings.Section);
        builder.Services.AddOptions<SmtpSettings>().BindConfiguration(SmtpSettings.Section);
        builder.Services.AddOptions<FolderSettings>().BindConfiguration(FolderSettings.Section);

        builder.Services.AddHttpClient(WebhookProvider.HttpClientName)
            .ConfigureHttpClient((services, client) =>
                client.Timeout = services.GetRequiredService<IOptions<WebhookSettings>>().Value.Timeout)
            // The default request logs print the URL, and a webhook URL may hold its secret; WebhookProvider logs.
            .RemoveAllLoggers();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FolderProvider>();
        builder.Services.AddSingleton<SmtpProvider>();
        builder.Services.AddSingleton<WebhookProvider>();

        foreach (var channel in MessageProviderSettings.Allowed.Keys)
        {
            builder.Services.AddKeyedSingleton<IMessageProvider>(channel, (services, _) =>
                services.GetRequiredService<IOptions<MessageProviderSettings>>().Value.For(channel) switch
                {
                    MessageProviderNames.Folder => services.GetRequiredService<FolderProvider>(),
                    MessageProviderNames.Smtp => services.GetRequiredService<SmtpProvider>(),
                    MessageProviderNames.Webhook => services.GetRequiredService<WebhookProvider>(),
                    var other => throw new InvalidOperationException(
                        $"{MessageProviderSettings.Section}:{MessageProviderSettings.Setting(channel)} is '{other}', which is not a provider."),
                });
        }

        return builder;
    }

    /// <summary>The settings of each provider some channel uses: an unused provider's section may stay empty.</summary>
    private sealed class ChosenProvidersValidator(IHostEnvironment environment, IOptions<WebhookSettings> webhook,
        IOptions<SmtpSettings> smtp) : IValidateOptions<MessageProviderSettings>
    {
        public ValidateOptionsResult Validate(string? name, MessageProviderSettings options)
        {
            var errors = new List<string>();
            if (options.Uses(MessageProviderNames.Webhook))
            {
                errors.AddRange(webhook.Value.Errors(environment.IsDevelopment()));
            }

            if (options.Uses(MessageProviderNames.Smtp))
            {
                errors.AddRange(smtp.Value.Errors());
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
