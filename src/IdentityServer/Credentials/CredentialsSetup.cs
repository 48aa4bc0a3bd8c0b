using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace RedisJwt.IdentityServer.Credentials;

public static class CredentialsSetup
{
    public static IHostApplicationBuilder AddSigningCredentials(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CredentialOptions>()
            .BindConfiguration(CredentialOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<OpenIddictServerOptions>()
            .Configure<IOptions<CredentialOptions>, IHostEnvironment>((server, credentialOptions, environment) =>
            {
                var credentials = credentialOptions.Value;
                var root = environment.ContentRootPath;

                var signing = CertificateLoader.Load("Credentials:SigningCertificatePath", credentials.SigningCertificatePath,
                    credentials.SigningKeyPath, credentials.SigningCertificatePassword, root,
                    X509KeyUsageFlags.DigitalSignature, TimeProvider.System);
                // RS256 only: one fixed algorithm per key leaves no room for alg confusion (RFC 8725 3.1).
                server.SigningCredentials.Add(new SigningCredentials(new X509SecurityKey(signing), SecurityAlgorithms.RsaSha256));

                var encryption = CertificateLoader.Load("Credentials:EncryptionCertificatePath", credentials.EncryptionCertificatePath,
                    credentials.EncryptionKeyPath, credentials.EncryptionCertificatePassword, root,
                    X509KeyUsageFlags.KeyEncipherment, TimeProvider.System);
                server.EncryptionCredentials.Add(new EncryptingCredentials(new X509SecurityKey(encryption),
                    SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
            })
            // Load the certificates at start, not at the first token request.
            .ValidateOnStart();

        return builder;
    }
}
