using OpenIddict.Server;
using RedisJwt.IdentityServer.Shared;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.ClientAssertions;

public static class ClientAssertionsSetup
{
    /// <summary>
    /// Client authentication with keys (RFC 7523 private_key_jwt): OpenIddict verifies the assertion; this feature gives
    /// it the client's keys (inline or from its jwks_uri), the accepted algorithms, and checks lifetime, single use and
    /// that each client uses the method it registered.
    /// </summary>
    public static IHostApplicationBuilder AddClientAssertions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClientAssertionSettings>()
            .BindConfiguration(ClientAssertionSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<OutboundSettings>().BindConfiguration(OutboundSettings.Section);
        builder.Services.AddSingleton<ClientJwksCache>();
        builder.Services.AddSingleton<RequireClientAssertion>();

        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.AddEventHandler(ClientAssertionKeys.Descriptor)
                .AddEventHandler(ClientAssertionPolicy.Descriptor)
                .AddEventHandler(AdvertiseClientAssertions.Descriptor);

            // A secret used as an HMAC key is a shared secret with extra steps, and one the server must keep in clear to
            // verify with; OpenIddict does not enable it, and it must never be.
            options.Configure(server => server.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.ClientSecretJwt));
        });
        return builder;
    }
}
