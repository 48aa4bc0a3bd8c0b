using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;

namespace RedisJwt.BoardApi.Auth;

public static class AuthSetup
{
    public static IHostApplicationBuilder AddTokenValidation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TokenValidationSettings>()
            .BindConfiguration(TokenValidationSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOpenIddict()
            .AddValidation(options =>
            {
                options.AddEventHandler(RequireSubject.Descriptor);
                options.AddEventHandler(ChallengeErrors.Descriptor);
                options.UseSystemNetHttp();
                options.UseAspNetCore();
            });

        // Deferred, so settings from environment variables and test hosts (added after this call) apply.
        builder.Services.AddOptions<OpenIddictValidationOptions>()
            .Configure<IOptions<TokenValidationSettings>>((options, settings) => Apply(options, settings.Value));

        // Runs after OpenIddict has created its discovery/JWKS ConfigurationManager.
        builder.Services.AddOptions<OpenIddictValidationOptions>()
            .PostConfigure<IOptions<TokenValidationSettings>>((options, settings) =>
            {
                if (options.ConfigurationManager is ConfigurationManager<OpenIddictConfiguration> metadata)
                {
                    metadata.RefreshInterval = settings.Value.MetadataRefreshInterval;
                    metadata.AutomaticRefreshInterval = settings.Value.MetadataAutomaticRefreshInterval;
                }
            });

        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Scopes.PostsRead, policy => policy.AddRequirements(new ScopeRequirement(Scopes.PostsRead)))
            .AddPolicy(Scopes.PostsWrite, policy => policy.AddRequirements(new ScopeRequirement(Scopes.PostsWrite)));
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>();
        return builder;
    }

    private static void Apply(OpenIddictValidationOptions options, TokenValidationSettings settings)
    {
        options.Issuer = settings.Issuer;
        options.Audiences.Add(settings.Audience);
        options.TokenValidationParameters.ClockSkew = settings.ClockSkew;
        // RFC 8725 3.1: only the asymmetric algorithms an issuer's JWKS can carry; never "none" or an HMAC keyed
        // with a public key.
        options.TokenValidationParameters.ValidAlgorithms =
        [
            SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
            SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
            SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
        ];

        if (settings.Mode == TokenValidationMode.Introspection)
        {
            options.ValidationType = OpenIddictValidationType.Introspection;
            options.ClientId = settings.ClientId;
            options.ClientSecret = settings.ClientSecret;
        }
    }
}
