using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using OpenIddict.Validation.SystemNetHttp;
using Polly;
using Polly.Retry;
using RedisJwt.Revocation;
using RedisJwt.Revocation.DPoP;
using RedisJwt.ServiceDefaults.Hosting;

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
                options.AddEventHandler(CountValidatedTokens.Descriptor);
                options.AddEventHandler(CountRejectedTokens.Descriptor);
                options.AddEventHandler(ResourceMetadataChallenge.Descriptor);
                options.UseRedisRevocation();
                // DPoP-bound tokens (RFC 9449) besides bearer tokens; a bound token only with a proof of its key.
                options.UseDPoP();
                options.UseSystemNetHttp();
                // Only the Authorization header (RFC 6750 2.1): a token in a URL or form leaks into logs, histories and
                // Referer headers (RFC 9700 4.3.2), and a form-borne token invites CSRF.
                options.UseAspNetCore()
                    .DisableAccessTokenExtractionFromQueryString()
                    .DisableAccessTokenExtractionFromBodyForm();
            });

        // Deferred, so settings from environment variables and test hosts (added after this call) apply.
        builder.Services.AddOptions<OpenIddictValidationOptions>()
            .Configure<IOptions<TokenValidationSettings>>((options, settings) => Apply(options, settings.Value));

        // OpenIddict's default retries a dead IdentityServer for ~15 s on every request that needs it. Fail fast
        // instead (one quick retry, then 503): a client retries more cheaply than a request thread waits.
        builder.Services.AddOptions<OpenIddictValidationSystemNetHttpOptions>()
            .Configure<IOptions<TokenValidationSettings>>((options, settings) => options.HttpResiliencePipeline =
                new ResiliencePipelineBuilder<HttpResponseMessage>()
                    .AddTimeout(settings.Value.IssuerRequestTimeout)
                    .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                    {
                        ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                            .Handle<HttpRequestException>()
                            .HandleResult(response => (int)response.StatusCode >= 500),
                        MaxRetryAttempts = 1,
                        Delay = TimeSpan.FromMilliseconds(200),
                    })
                    .Build());

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

        builder.Services.AddSingleton<ProtectedResource>();
        builder.Services.AddSingleton<TokenValidationMetrics>();
        builder.Services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Scopes.PostsRead, policy => policy.AddRequirements(new ScopeRequirement(Scopes.PostsRead)))
            .AddPolicy(Scopes.PostsWrite, policy => policy.AddRequirements(new ScopeRequirement(Scopes.PostsWrite)));
        builder.Services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>();

        builder.Services.AddOptions<StepUpSettings>()
            .BindConfiguration(StepUpSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StepUp>();
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
