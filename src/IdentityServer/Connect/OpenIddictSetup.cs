using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.DeviceFlow;
using RedisJwt.ServiceDefaults.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

public static class OpenIddictSetup
{
    public const string AuthorizationPath = "connect/authorize";
    public const string TokenPath = "connect/token";
    public const string UserInfoPath = "connect/userinfo";
    public const string IntrospectionPath = "connect/introspect";
    public const string RevocationPath = "connect/revoke";
    public const string EndSessionPath = "connect/logout";
    public const string PushedAuthorizationPath = "connect/par";
    public const string DeviceAuthorizationPath = "connect/device";
    public const string EndUserVerificationPath = "connect/verify";

    public static IHostApplicationBuilder AddOpenIdConnectServer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServerSettings>()
            .BindConfiguration(ServerSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOpenIddict()
            .AddCore(options =>
            {
                options.UseEntityFrameworkCore().UseDbContext<ApplicationDbContext>();
            })
            .AddServer(options =>
            {
                options.SetAuthorizationEndpointUris(AuthorizationPath)
                    .SetTokenEndpointUris(TokenPath)
                    .SetUserInfoEndpointUris(UserInfoPath)
                    .SetIntrospectionEndpointUris(IntrospectionPath)
                    .SetRevocationEndpointUris(RevocationPath)
                    .SetEndSessionEndpointUris(EndSessionPath)
                    // RFC 9126: the client posts the authorization request itself, authenticated, and sends the
                    // browser with a short-lived, single-use request_uri only.
                    .SetPushedAuthorizationEndpointUris(PushedAuthorizationPath);

                options.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow()
                    // For the first-party app only (see PasswordGrant); no other client is ever permitted it.
                    .AllowPasswordFlow();

                // RFC 8628: a device without a browser gets a user code, typed on the verification page (DeviceFlow/).
                options.SetDeviceAuthorizationEndpointUris(DeviceAuthorizationPath)
                    .SetEndUserVerificationEndpointUris(EndUserVerificationPath)
                    .AllowDeviceAuthorizationFlow()
                    .UseDeviceFlow()
                    .UseAspNetCore().EnableEndUserVerificationEndpointPassthrough();

                // PKCE for every code flow client, public or confidential (RFC 9700 2.1.1).
                options.RequireProofKeyForCodeExchange();

                options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Roles, Scopes.OfflineAccess);
                options.RegisterClaims(Claims.Subject, Claims.Name, Claims.Email, Claims.EmailVerified,
                    Claims.Birthdate, Claims.Role, Sessions.SessionClaims.SessionId, Claims.AuthenticationTime,
                    Claims.AuthenticationContextReference, Claims.AuthenticationMethodReference);

                // RFC 9068: access tokens are signed JWTs any resource server can verify from the JWKS.
                options.DisableAccessTokenEncryption();

                // RFC 8707: a client names a resource through the scopes that grant it, one check of ours for every
                // grant (ResourceIndicators) instead of a second list of resource permissions per client.
                options.IgnoreResourcePermissions();
                options.AddEventHandler(ValidateResourceIndicators.AuthorizationDescriptor)
                    .AddEventHandler(ValidateResourceIndicators.PushedAuthorizationDescriptor)
                    .AddEventHandler(ValidateResourceIndicators.TokenDescriptor)
                    .AddEventHandler(AccessTokenForResource.Descriptor);

                // Audiences are resource identifiers, no client_id: a resource server's client introspects the tokens
                // for the resource it is.
                options.AddEventHandler(IntrospectionByResourceServer.ValidateDescriptor)
                    .AddEventHandler(IntrospectionByResourceServer.HandleDescriptor);
                options.AddEventHandler(InactiveWhenNotIntrospectable.Descriptor);

                // Authorization codes, refresh tokens and pushed request URIs are read only by this server: sealed with
                // the shared Data Protection key ring (AES-256-CBC + HMAC-SHA256, one purpose per token type; the ring is
                // itself encrypted to the encryption certificate, see DataProtectionSetup) instead of a JWE whose
                // RSA-OAEP key unwrap and inner RS256 signature cost two of the five RSA operations of every refresh.
                // Access and ID tokens stay JWTs (RFC 9068, OIDC Core 2). JWE refresh tokens issued before still validate.
                options.UseDataProtection().PreferDefaultAccessTokenFormat();
                options.UseReferenceLookupOnlyWherePossible();

                options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
            });

        builder.Services.AddOptions<OpenIddictServerOptions>()
            .Configure<IOptions<ServerSettings>, IOptions<SeedOptions>>((server, settings, seed) =>
            {
                var value = settings.Value;
                // Advertise the configured API scopes in discovery next to the standard ones.
                server.Scopes.UnionWith(seed.Value.ApiScopes.Keys);
                // The resources a request may name (RFC 8707): those of the API scopes; any other is invalid_target.
                server.Resources.UnionWith(seed.Value.ApiScopes.Values.Select(scope => new Uri(scope.Resource, UriKind.Absolute)));
                server.Issuer = value.Issuer;
                server.AccessTokenLifetime = value.AccessTokenLifetime;
                server.IdentityTokenLifetime = value.IdentityTokenLifetime;
                server.AuthorizationCodeLifetime = value.AuthorizationCodeLifetime;
                server.RefreshTokenLifetime = value.RefreshTokenLifetime;
                server.RequestTokenLifetime = value.PushedRequestLifetime;
                server.RefreshTokenReuseLeeway = value.RefreshTokenReuseLeeway;
                // A device code lives as long as its user code (OpenIddict advises the same value for both).
                server.DeviceCodeLifetime = value.DeviceCodeLifetime;
                server.UserCodeLifetime = value.DeviceCodeLifetime;

                // "plain" offers no protection against an intercepted code (RFC 9700 2.1.1): S256 only.
                server.CodeChallengeMethods.Clear();
                server.CodeChallengeMethods.Add(CodeChallengeMethods.Sha256);
            });

        // Their clients read RFC 6749 5.2 errors: temporarily_unavailable in an outage, invalid_request for malformed
        // input. Not authorize and logout: browsers navigate there, and errors are redirected or shown (RFC 6749 4.1.2.1).
        // Read from the URIs OpenIddict serves them at, so a moved endpoint cannot be left out.
        builder.Services.AddOptions<OAuthEndpointOptions>().Configure<IOptions<OpenIddictServerOptions>>((oauth, server) =>
            oauth.Paths.AddRange([.. new[] { server.Value.TokenEndpointUris, server.Value.IntrospectionEndpointUris,
                server.Value.RevocationEndpointUris, server.Value.UserInfoEndpointUris, server.Value.PushedAuthorizationEndpointUris,
                server.Value.DeviceAuthorizationEndpointUris }
                .SelectMany(uris => uris).Select(uri => new PathString("/" + uri.OriginalString.TrimStart('/')))]));

        builder.Services.AddOptions<OpenIddictServerAspNetCoreOptions>()
            .Configure<IOptions<ServerSettings>>((aspNetCore, settings) =>
                aspNetCore.DisableTransportSecurityRequirement = settings.Value.AllowInsecureHttp);

        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<ScopeResources>();
        builder.Services.AddScoped<ResourceIndicators>();
        builder.Services.AddScoped<UserPrincipalFactory>();
        builder.Services.AddSingleton<FreshSignIn>();
        builder.Services.AddScoped<PasswordGrant>();

        return builder;
    }
}
