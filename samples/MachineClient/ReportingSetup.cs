using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Client;

namespace ReportingService;

public static class ReportingSetup
{
    /// <summary>
    /// OpenIddict's client (the library the server is built on, maintained with it): it reads discovery from the
    /// issuer, authenticates with a client assertion signed by this client's key and validates the token response.
    /// </summary>
    public static HostApplicationBuilder AddReporting(this HostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(ReportingSettings.Section).Get<ReportingSettings>() ?? new ReportingSettings();
        var signingKey = SigningKey(settings.PrivateKeyPath);
        builder.Services.AddSingleton(settings);
        builder.Services.AddOpenIddict().AddClient(options =>
        {
            // Client credentials only: no user, no redirects, so no state tokens to sign and nothing to store.
            options.AllowClientCredentialsFlow();
            options.DisableTokenStorage();
            options.UseSystemNetHttp().SetProductInformation(typeof(ReportingSetup).Assembly);
            options.AddRegistration(new OpenIddictClientRegistration
            {
                Issuer = settings.Issuer,
                ClientId = settings.ClientId,
                // With a key and the server advertising private_key_jwt, OpenIddict sends a client assertion, no secret.
                SigningCredentials = { signingKey },
            });
        });
        builder.Services.AddHttpClient<ReportingJob>(client => client.BaseAddress = settings.BoardApi);
        return builder;
    }

    // The kid is the key's RFC 7638 thumbprint, as certs/generate-dev-certs.sh names it in the public JWK Set.
    private static SigningCredentials SigningKey(string path)
    {
        // A relative path is beside the program, as appsettings*.json are.
        path = string.IsNullOrWhiteSpace(path) ? "" : Path.GetFullPath(path, AppContext.BaseDirectory);
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new ReportingException($"{ReportingSettings.Section}:PrivateKeyPath (\"{path}\") is not a file: give the PEM file of this "
                + $"client's EC P-256 private key in configuration or as the environment variable {ReportingSettings.Section}__PrivateKeyPath.");
        }

        var ec = ECDsa.Create();
        ec.ImportFromPem(File.ReadAllText(path));
        var key = new ECDsaSecurityKey(ec);
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        return new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256);
    }
}
