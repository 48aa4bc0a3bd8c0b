using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Account.EmailVerification;
using RedisJwt.IdentityServer.Account.PasswordRecovery;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Account.Notifications;

/// <summary>Email verification, password reset and security alerts, sent through the message dispatcher.</summary>
public static class AccountMessagingSetup
{
    public const string EmailConfirmationProvider = "EmailConfirmation";

    public static IHostApplicationBuilder AddAccountMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AccountSettings>()
            .BindConfiguration(AccountSettings.Section)
            .Validate(settings => settings.PasswordResetTokenLifetime > TimeSpan.Zero, "Accounts:PasswordResetTokenLifetime must be positive.")
            .Validate(settings => settings.EmailConfirmationTokenLifetime > TimeSpan.Zero, "Accounts:EmailConfirmationTokenLifetime must be positive.")
            .Validate(settings => settings.KnownDeviceLifetime > TimeSpan.Zero, "Accounts:KnownDeviceLifetime must be positive.")
            .ValidateOnStart();

        // Identity's default provider makes reset tokens; confirmation links get a provider of their own, so a short
        // reset lifetime does not expire them too.
        builder.Services.AddOptions<DataProtectionTokenProviderOptions>()
            .Configure<IOptions<AccountSettings>>((options, settings) => options.TokenLifespan = settings.Value.PasswordResetTokenLifetime);
        builder.Services.AddOptions<EmailConfirmationTokenOptions>()
            .Configure<IOptions<AccountSettings>>((options, settings) => options.TokenLifespan = settings.Value.EmailConfirmationTokenLifetime);
        new IdentityBuilder(typeof(ApplicationUser), builder.Services)
            .AddTokenProvider<EmailConfirmationTokenProvider>(EmailConfirmationProvider);
        builder.Services.Configure<IdentityOptions>(options => options.Tokens.EmailConfirmationTokenProvider = EmailConfirmationProvider);

        builder.Services.AddSingleton<AccountMessages>();
        builder.Services.AddSingleton<AccountMail>();
        builder.Services.AddSingleton<KnownDevices>();
        builder.Services.AddScoped<AccountAlerts>();
        builder.Services.AddScoped<EmailConfirmation>();
        builder.Services.AddScoped<PasswordReset>();
        return builder;
    }
}

public sealed class EmailConfirmationTokenOptions : DataProtectionTokenProviderOptions
{
    // Also the data protection purpose: a reset token is no confirmation token, nor the reverse.
    public EmailConfirmationTokenOptions() => Name = "EmailConfirmationDataProtectorTokenProvider";
}

public sealed class EmailConfirmationTokenProvider(IDataProtectionProvider protection,
    IOptions<EmailConfirmationTokenOptions> options, ILogger<DataProtectorTokenProvider<ApplicationUser>> logger)
    : DataProtectorTokenProvider<ApplicationUser>(protection, options, logger);
