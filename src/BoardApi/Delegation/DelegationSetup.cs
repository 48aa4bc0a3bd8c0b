using Microsoft.Extensions.Options;
using OpenIddict.Client;
using RedisJwt.BoardApi.Auth;

namespace RedisJwt.BoardApi.Delegation;

public static class DelegationSetup
{
    public const string NotificationsClient = "notifications";

    /// <summary>
    /// BoardApi as a client of the IdentityServer's token exchange (RFC 8693), through OpenIddict's client: it trades the
    /// caller's token, sent to BoardApi, for one to the notifications API acting for the caller.
    /// </summary>
    public static IHostApplicationBuilder AddDelegation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DelegationSettings>()
            .BindConfiguration(DelegationSettings.Section)
            .ValidateDataAnnotations()
            .Validate<IOptions<TokenValidationSettings>>((delegation, auth) => delegation.NotificationsApi is null
                    || !string.IsNullOrWhiteSpace(auth.Value.ClientSecret),
                "Delegation:NotificationsApi needs Auth:ClientSecret: BoardApi authenticates as Auth:ClientId to exchange tokens.")
            .ValidateOnStart();

        builder.Services.AddOpenIddict().AddClient(options =>
        {
            // Token exchange only: no user is redirected here, so no state tokens to sign and nothing to store.
            options.AllowTokenExchangeFlow();
            options.DisableTokenStorage();
            options.UseSystemNetHttp().SetProductInformation(typeof(DelegationSetup).Assembly);
        });

        // Deferred, so settings from environment variables and test hosts apply.
        builder.Services.AddOptions<OpenIddictClientOptions>()
            .Configure<IOptions<DelegationSettings>, IOptions<TokenValidationSettings>>((client, delegation, auth) =>
            {
                if (delegation.Value.NotificationsApi is not null)
                {
                    client.Registrations.Add(new OpenIddictClientRegistration
                    {
                        Issuer = auth.Value.Issuer,
                        ClientId = auth.Value.ClientId,
                        ClientSecret = auth.Value.ClientSecret,
                    });
                }
            });

        builder.Services.AddHttpClient(NotificationsClient);
        return builder;
    }

    public static WebApplication MapDelegation(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<DelegationSettings>>().Value.NotificationsApi is not null)
        {
            app.MapGet("/me/notifications", NotificationsOnBehalf.GetAsync).RequireAuthorization();
        }

        return app;
    }
}
