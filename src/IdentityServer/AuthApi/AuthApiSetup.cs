using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.Revocation;
using RedisJwt.Revocation.DPoP;
using RedisJwt.ServiceDefaults.Hosting;
using RedisJwt.ServiceDefaults.Caching;

namespace RedisJwt.IdentityServer.AuthApi;

public static class AuthApiSetup
{
    public static IHostApplicationBuilder AddAuthApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthApiSettings>()
            .BindConfiguration(AuthApiSettings.Section)
            .Validate(settings => settings.ProfileCacheDuration > TimeSpan.Zero, "AuthApi:ProfileCacheDuration must be positive.")
            .ValidateOnStart();

        builder.AddRedisHybridCache(keys => keys.IdentityCacheInstance);
        builder.Services.AddSingleton<ProfileCache>();

        builder.Services.AddOpenIddict()
            .AddServer(options =>
            {
                options.AddEventHandler(AuthErrorsAsProblems.Descriptor);
                options.AddEventHandler(AuthResponsesNameScopes.Descriptor);
            })
            // The account endpoints are a resource server of this same issuer: tokens are checked with the server's
            // own keys, for the account API's audience, against the same Redis revocations as at any other API.
            .AddValidation(options =>
            {
                options.UseLocalServer();
                options.UseRedisRevocation();
                options.UseDPoP();
                options.AddEventHandler(ChallengeErrors.Descriptor);
                // Only the Authorization header (RFC 6750 2.1; RFC 9700 4.3.2): never a token in a URL or a form.
                options.UseAspNetCore()
                    .DisableAccessTokenExtractionFromQueryString()
                    .DisableAccessTokenExtractionFromBodyForm();
            });

        // Its audience is its resource identifier, {issuer}auth (OwnApiResources): deferred, as the issuer is a setting.
        builder.Services.AddOptions<OpenIddictValidationOptions>().Configure<IOptions<ServerSettings>>((validation, server) =>
            validation.Audiences.Add(OwnApiResources.Account(server.Value.Issuer!)));
        builder.Services.AddOptions<AuthorizationOptions>().Configure<IOptions<ServerSettings>>((authorization, server) =>
        {
            var audience = OwnApiResources.Account(server.Value.Issuer!);
            authorization.AddPolicy(AuthEndpoints.AccountPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                // The audience too: validation also accepts the admin API's, which is not this API's.
                .RequireAssertion(context => context.User.HasScope(AuthApiSettings.AccountScope) && context.User.HasAudience(audience)));
        });

        return builder;
    }
}
