using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.MultiFactor;

public static class MultiFactorSetup
{
    /// <summary>
    /// Where second factors are kept: passkeys in Identity's own table, the authenticator key and recovery codes through
    /// <see cref="ApplicationUserStore"/>, their dates in the <see cref="FactorLedger"/>, used TOTP codes in Redis. After
    /// AddAccounts, whose Identity registration the store replaces.
    /// </summary>
    public static IHostApplicationBuilder AddMultiFactorStorage(this IHostApplicationBuilder builder)
    {
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
