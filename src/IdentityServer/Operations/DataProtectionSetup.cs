using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Operations;

public static class DataProtectionSetup
{
    /// <summary>
    /// One key ring in Redis for every instance, so a cookie or antiforgery token issued by one instance is accepted by
    /// the others behind the load balancer. Each key is stored encrypted to the encryption certificate (XML Encryption
    /// with its RSA key), which every instance loads from a file, and sealed with a MAC keyed from it
    /// (<see cref="SealedKeyRing"/>): whoever can read Redis gets ciphertext, not the keys that seal codes and refresh tokens
    /// and sign cookies, antiforgery tokens, emailed links and message texts, and whoever can write to it cannot slip in a key of theirs.
    /// </summary>
    public static IHostApplicationBuilder AddSharedDataProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDataProtection().SetApplicationName("RedisJwt.IdentityServer");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<IServiceProvider>((options, services) =>
            {
                var keys = services.GetRequiredService<RedisKeys>();
                var redis = services.GetRequiredService<IConnectionMultiplexer>();
                options.XmlRepository = new SealedKeyRing(
                    new Microsoft.AspNetCore.DataProtection.StackExchangeRedis.RedisXmlRepository(() => redis.GetDatabase(), keys.DataProtectionKeys),
                    services.GetRequiredService<ConfiguredCredentials>(), services.GetRequiredService<ILogger<SealedKeyRing>>());
                options.XmlEncryptor = new KeyRingEncryptor(services.GetRequiredService<ConfiguredCredentials>(),
                    services.GetRequiredService<ILoggerFactory>());
            });
        return builder;
    }
}
