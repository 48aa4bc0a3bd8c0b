using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.MultiFactor;

public static class MultiFactorSetup
{
    /// <summary>
    /// Second factors: where they are kept (passkeys in Identity's own table, the authenticator key and recovery codes
    /// through <see cref="ApplicationUserStore"/>, their dates in the <see cref="FactorLedger"/>, used TOTP codes in
    /// Redis), who must use one, checking and changing them, and the acr values in discovery. After AddAccounts, whose
    /// Identity registration the store replaces.
    /// </summary>
    public static IHostApplicationBuilder AddMultiFactor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MultiFactorSettings>().BindConfiguration(MultiFactorSettings.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<IdentityPasskeyOptions>().Configure<IOptions<ServerSettings>>((options, server) =>
        {
            // Every passkey sign-in is two factors (SignInMethods.Passkey): the authenticator must verify the user
            // (WebAuthn 6.2.3), and a passkey must be discoverable, to sign in without typing a name first.
            options.UserVerificationRequirement = "required";
            options.ResidentKeyRequirement = "required";
            PasskeyOrigin.Configure(options, server.Value.Issuer!);
        });
        builder.Services.AddScoped<SecondFactors>();
        builder.Services.AddScoped<FactorChanges>();
        builder.Services.AddScoped<MultiFactorRequirement>();
        builder.Services.AddScoped<PendingSignIn>();
        builder.Services.AddOpenIddict().AddServer(options => options.AddEventHandler(AdvertiseAcrValues.Descriptor));

        builder.Services.Configure<IdentityOptions>(UsePasskeySchema);
        builder.Services.Replace(ServiceDescriptor.Scoped<IUserStore<ApplicationUser>, ApplicationUserStore>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<FactorLedger>();
        builder.Services.AddSingleton<AuthenticatorCodeGuard>();
        return builder;
    }

    /// <summary>
    /// Identity's schema version 3: the AspNetUserPasskeys table. The model is built from this setting, so the
    /// design-time factory applies it too, or migrations would be made without the table.
    /// </summary>
    public static void UsePasskeySchema(IdentityOptions options) => options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
}
