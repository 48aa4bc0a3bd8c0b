using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace RedisJwt.IdentityServer.Credentials;

public static class CredentialsSetup
{
    /// <summary>
    /// The encryption certificate and the signing key ring. Call after AddOpenIdConnectServer: the signing key must be
    /// put first after OpenIddict has sorted its credentials (it prefers X.509 keys, whatever their age).
    /// </summary>
    public static IHostApplicationBuilder AddSigningCredentials(this IHostApplicationBuilder builder)
    {
        if (!builder.Services.Any(service => service.ImplementationType == typeof(OpenIddictServerConfiguration)))
        {
            throw new InvalidOperationException("AddSigningCredentials must be called after AddOpenIdConnectServer.");
        }

        builder.Services.AddOptions<CredentialOptions>()
            .BindConfiguration(CredentialOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton<ConfiguredCredentials>();
        builder.Services.AddSingleton<SigningKeyProtector>();
        builder.Services.AddSingleton<SigningKeyRing>();
        // Rebuilt when the ring's plan changes; validation (UseLocalServer) copies the server's keys, so it too.
        builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>>(services => services.GetRequiredService<SigningKeyRing>());
        builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddictValidationOptions>>(services => services.GetRequiredService<SigningKeyRing>());
        builder.Services.AddHostedService<SigningKeyRefresher>();

        builder.Services.AddOptions<OpenIddictServerOptions>()
            .Configure<ConfiguredCredentials, SigningKeyRing>((server, configured, ring) =>
            {
                server.SigningCredentials.AddRange(ring.Publish());
                server.EncryptionCredentials.Add(configured.Encrypting);
            })
            .PostConfigure<SigningKeyRing>((server, ring) =>
            {
                // OpenIddict signs with the first credentials; its own sort (which ran before) may have moved ours.
                var signing = server.SigningCredentials.Find(credentials => credentials.Key.KeyId == ring.PublishedSigningKeyId)!;
                server.SigningCredentials.Remove(signing);
                server.SigningCredentials.Insert(0, signing);
            })
            // Load the certificates at start, not at the first token request.
            .ValidateOnStart();

        // OpenIddict's UseLocalServer copies the server's keys when the validation options are built, which may be
        // before the server's own options are rebuilt on the same change: take them from the ring instead.
        builder.Services.AddOptions<OpenIddictValidationOptions>()
            .PostConfigure<SigningKeyRing>((validation, ring) =>
            {
                if (validation.Configuration is { } configuration)
                {
                    configuration.SigningKeys.Clear();
                    foreach (var key in ring.VerificationKeys())
                    {
                        configuration.SigningKeys.Add(key);
                    }
                }
            });

        return builder;
    }

    /// <summary>Reads the ring before the first request; if the database cannot be read, the configured key signs meanwhile.</summary>
    public static async Task LoadSigningKeysAsync(this WebApplication app)
    {
        try
        {
            await app.Services.GetRequiredService<SigningKeyRing>().RefreshAsync();
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException)
        {
            app.Logger.LogWarning(exception, "The signing key ring could not be read at start; the refresher tries again.");
        }
    }
}
