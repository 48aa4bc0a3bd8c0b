using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults.Hosting;
using StackExchange.Redis;

namespace RedisJwt.ServiceDefaults;

public static class RedisSetup
{
    public const string ConnectionStringName = "Redis";

    /// <summary>Registers one shared <see cref="IConnectionMultiplexer"/>, the key schema, and 503 for Redis failures.</summary>
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedisOptions>()
            .BindConfiguration(RedisOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisOptions>, TlsSettingsValidator>());

        builder.Services.AddSingleton<RedisKeys>();
        // One prefix for every key of a service: the revocation package's keys follow Redis:KeyPrefix here, so the
        // IdentityServer's writer and BoardApi's view can never be set apart by a second setting.
        builder.Services.AddOptions<RevocationOptions>()
            .PostConfigure<IOptions<RedisOptions>>((revocation, redis) => revocation.KeyPrefix = redis.Value.KeyPrefix);
        // With app.UseExceptionHandler(): a request that finds Redis unreachable is a 503, not a 500.
        builder.Services.AddDependencyUnavailableHandler();

        // Resolved lazily so that configuration added by hosts and test factories after
        // this call is honoured.
        builder.Services.AddSingleton<IConnectionMultiplexer>(services =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new OptionsValidationException(
                    $"ConnectionStrings:{ConnectionStringName}", typeof(RedisOptions),
                    [$"ConnectionStrings:{ConnectionStringName} is required (e.g. \"127.0.0.1:6379\")."]);
            }

            // A list of nodes (one server or a Cluster's, found out on connecting) or, with serviceName=, of Sentinels.
            var configuration = ConfigurationOptions.Parse(connectionString);
            // Start even while Redis is down and reconnect in the background; readiness reports it.
            configuration.AbortOnConnectFail = false;
            // A silently dropped connection must be noticed well within the revocation degraded window (30 s), not
            // after the client's default minute; an explicit keepAlive in the connection string wins.
            if (!connectionString.Contains("keepAlive", StringComparison.OrdinalIgnoreCase))
            {
                configuration.KeepAlive = 10;
            }

            AskOnlyForWhatTheServicesUse(configuration);
            if (services.GetRequiredService<IOptions<RedisOptions>>().Value.TrustedCaCertificatePath is { Length: > 0 } caPath)
            {
                // Validated at start (TlsSettingsValidator). The server's name is still checked against its certificate.
                configuration.TrustIssuer(LoadCertificate(caPath));
            }
            try
            {
                return ConnectionMultiplexer.Connect(configuration);
            }
            catch (RedisConnectionException exception) when (!string.IsNullOrEmpty(configuration.ServiceName))
            {
                // StackExchange.Redis asks a Sentinel for the primary while connecting; it cannot start without one.
                var sentinels = string.Join(", ", configuration.EndPoints);
                throw new OptionsValidationException($"ConnectionStrings:{ConnectionStringName}", typeof(RedisOptions),
                    [$"ConnectionStrings:{ConnectionStringName}: no Sentinel at {sentinels} named the primary of service "
                        + $"\"{configuration.ServiceName}\" ({exception.Message})."]);
            }
        });

        return builder;
    }

    // Each service's Redis user may use only its own keys, channels and commands (deploy/redis/users.acl.template).
    // StackExchange.Redis would otherwise also ask, on every connection, for CONFIG GET (which can reveal secrets such
    // as masterauth, so it is not granted), a tie-breaker key and a configuration channel outside the key prefix, for
    // topologies (several primaries listed by hand) that this system does not use. A connection string may still
    // name them.
    private static void AskOnlyForWhatTheServicesUse(ConfigurationOptions configuration)
    {
        if (ReferenceEquals(configuration.CommandMap, CommandMap.Default))
        {
            configuration.CommandMap = CommandMap.Create(["CONFIG"], available: false);
        }

        if (configuration.TieBreaker == configuration.Defaults.TieBreaker)
        {
            configuration.TieBreaker = "";
        }

        if (configuration.ConfigurationChannel == configuration.Defaults.ConfigurationChannel)
        {
            configuration.ConfigurationChannel = "";
        }
    }

    private static X509Certificate2 LoadCertificate(string path) => X509CertificateLoader.LoadCertificateFromFile(path);

    // Data annotations cannot check a file, nor the connection string beside it.
    private sealed class TlsSettingsValidator(IConfiguration configuration) : IValidateOptions<RedisOptions>
    {
        private const string Setting = $"{RedisOptions.Section}:{nameof(RedisOptions.TrustedCaCertificatePath)}";

        public ValidateOptionsResult Validate(string? name, RedisOptions options)
        {
            if (options.TrustedCaCertificatePath is not { Length: > 0 } path)
            {
                return ValidateOptionsResult.Success;
            }

            if (!File.Exists(path))
            {
                return ValidateOptionsResult.Fail($"{Setting}: no file at '{path}'.");
            }

            try
            {
                using var _ = LoadCertificate(path);
            }
            catch (CryptographicException exception)
            {
                return ValidateOptionsResult.Fail($"{Setting}: '{path}' is not a certificate (PEM or DER): {exception.Message}");
            }

            var connectionString = configuration.GetConnectionString(ConnectionStringName);
            return string.IsNullOrWhiteSpace(connectionString) || ConfigurationOptions.Parse(connectionString).Ssl
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    $"{Setting} is set, but ConnectionStrings:{ConnectionStringName} does not use TLS: add ssl=true (and sslHost=<the name in the server's certificate> if it is not the host you connect to).");
        }
    }
}
