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

                var algorithm = credentials.SigningAlgorithm;
                var signing = CertificateLoader.Load("Credentials:SigningCertificatePath", credentials.SigningCertificatePath,
                    credentials.SigningKeyPath, credentials.SigningCertificatePassword, root,
                    X509KeyUsageFlags.DigitalSignature, TimeProvider.System,
                    algorithm == SecurityAlgorithms.EcdsaSha256 ? CertificateKey.EcP256 : CertificateKey.Rsa);
                // One fixed algorithm per key, published with it in the JWKS: no room for alg confusion (RFC 8725 3.1).
                server.SigningCredentials.Add(new SigningCredentials(SigningKey(signing, algorithm), algorithm));

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

    // IdentityModel signs ES256 only with an ECDsaSecurityKey, not with an X509SecurityKey over an EC certificate.
    private static SecurityKey SigningKey(X509Certificate2 certificate, string algorithm) =>
        algorithm == SecurityAlgorithms.EcdsaSha256
            ? new ECDsaSecurityKey(certificate.GetECDsaPrivateKey()) { KeyId = certificate.Thumbprint }
            : new X509SecurityKey(certificate);
}
