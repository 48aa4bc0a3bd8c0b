// A BENCHMARK PEER, NEVER A PRODUCT: the framework floor of bench/run.sh (issue 22). A bare OpenIddict server in
// degraded mode (no database, no stores, no Redis, no rate limits, no DPoP), with one client whose secret is compared
// in memory, answering what the suite measures of ours: client_credentials tokens (RS256, PS256 or ES256 JWT access
// tokens, unencrypted, with the same claims: sub = client_id, scope, aud = BoardApi's resource, jti, typ at+jwt) and
// introspection of those tokens by the resource server's client. Signed with the same key files as our IdentityServer,
// so what ours spends per request beyond this is what RedisJwt itself adds on top of OpenIddict.
// Configuration (environment): Bare__Issuer, Bare__Audience, Bare__SigningAlgorithm (RS256 | PS256 | ES256),
// Bare__SigningCertificatePath/KeyPath, Bare__EncryptionCertificatePath/KeyPath (PEM), Bare__ClientId/ClientSecret,
// Bare__IntrospectorId/IntrospectorSecret.
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddOptions<BareSettings>().BindConfiguration(BareSettings.Section).ValidateDataAnnotations().ValidateOnStart();
var settings = builder.Configuration.GetSection(BareSettings.Section).Get<BareSettings>()
    ?? throw new InvalidOperationException("The Bare section (Bare__Issuer, Bare__ClientId, ...) is missing.");

builder.Services.AddOpenIddict().AddServer(options =>
{
    options.SetIssuer(new Uri(settings.Issuer, UriKind.Absolute))
        .SetTokenEndpointUris("connect/token")
        .SetIntrospectionEndpointUris("connect/introspect")
        .AllowClientCredentialsFlow()
        .RegisterScopes("posts.read", "posts.write")
        .SetAccessTokenLifetime(TimeSpan.FromMinutes(15))
        // As ours: plain JWS access tokens (RFC 9068).
        .DisableAccessTokenEncryption()
        .EnableDegradedMode();

    options.AddSigningCredentials(BareSettings.SigningCredentials(settings));
    options.AddEncryptionCertificate(X509Certificate2.CreateFromPemFile(settings.EncryptionCertificatePath, settings.EncryptionKeyPath));

    options.AddEventHandler(TokenRequests.ValidateDescriptor)
        .AddEventHandler(TokenRequests.HandleDescriptor)
        .AddEventHandler(IntrospectingClient.Descriptor)
        .AddEventHandler(ResourceServerAudience.ValidateDescriptor)
        .AddEventHandler(ResourceServerAudience.HandleDescriptor);

    options.UseAspNetCore().DisableTransportSecurityRequirement();
});

var app = builder.Build();
app.UseAuthentication();
app.Run();

public sealed class BareSettings
{
    public const string Section = "Bare";

    [Required] public string Issuer { get; set; } = "";
    [Required] public string Audience { get; set; } = "";
    [RegularExpression("^(RS256|PS256|ES256)$")] public string SigningAlgorithm { get; set; } = SecurityAlgorithms.RsaSha256;
    [Required] public string SigningCertificatePath { get; set; } = "";
    [Required] public string SigningKeyPath { get; set; } = "";
    [Required] public string EncryptionCertificatePath { get; set; } = "";
    [Required] public string EncryptionKeyPath { get; set; } = "";
    [Required] public string ClientId { get; set; } = "";
    [Required] public string ClientSecret { get; set; } = "";
    [Required] public string IntrospectorId { get; set; } = "";
    [Required] public string IntrospectorSecret { get; set; } = "";

    /// <summary>The key as ours builds it (ConfiguredCredentials): an X509SecurityKey for RSA, an ECDsaSecurityKey for ES256.</summary>
    public static SigningCredentials SigningCredentials(BareSettings settings)
    {
        var certificate = X509Certificate2.CreateFromPemFile(settings.SigningCertificatePath, settings.SigningKeyPath);
        SecurityKey key = settings.SigningAlgorithm == SecurityAlgorithms.EcdsaSha256
            ? new ECDsaSecurityKey(certificate.GetECDsaPrivateKey()) { KeyId = certificate.Thumbprint }
            : new X509SecurityKey(certificate);
        return new SigningCredentials(key, settings.SigningAlgorithm);
    }

    /// <summary>Constant-time, in memory: no hashing, no store (the floor, not how a product keeps secrets).</summary>
    public static bool Matches(string? id, string? secret, string expectedId, string expectedSecret) =>
        string.Equals(id, expectedId, StringComparison.Ordinal) && secret is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(expectedSecret));
}

/// <summary>client_credentials for the one client: sub = client_id, the requested scopes, aud = the resource.</summary>
public sealed class TokenRequests(IOptions<BareSettings> options) :
    IOpenIddictServerHandler<ValidateTokenRequestContext>, IOpenIddictServerHandler<HandleTokenRequestContext>
{
    public static OpenIddictServerHandlerDescriptor ValidateDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseSingletonHandler<TokenRequests>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateClientCredentialsParameters.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static OpenIddictServerHandlerDescriptor HandleDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleTokenRequestContext>()
            .UseSingletonHandler<TokenRequests>()
            .SetOrder(OpenIddictServerHandlers.Exchange.AttachPrincipal.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        var settings = options.Value;
        if (!BareSettings.Matches(context.ClientId, context.ClientSecret, settings.ClientId, settings.ClientSecret))
        {
            context.Reject(Errors.InvalidClient, "The client credentials are invalid.");
        }
        else if (!context.Request.IsClientCredentialsGrantType())
        {
            context.Reject(Errors.UnauthorizedClient, "Only client_credentials is served.");
        }

        return default;
    }

    public ValueTask HandleAsync(HandleTokenRequestContext context)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, context.Request.ClientId);
        identity.SetScopes(context.Request.GetScopes());
        identity.SetResources(options.Value.Audience);
        identity.SetDestinations(claim => claim.Type == Claims.Subject ? [Destinations.AccessToken] : []);
        context.SignIn(new ClaimsPrincipal(identity));
        return default;
    }
}

/// <summary>The introspection endpoint's one client, the resource server's, checked in memory before the token is read.</summary>
public sealed class IntrospectingClient(IOptions<BareSettings> options) : IOpenIddictServerHandler<ValidateIntrospectionRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .UseSingletonHandler<IntrospectingClient>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthentication.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateIntrospectionRequestContext context)
    {
        var settings = options.Value;
        if (!BareSettings.Matches(context.ClientId, context.ClientSecret, settings.IntrospectorId, settings.IntrospectorSecret))
        {
            context.Reject(Errors.InvalidClient, "The client credentials are invalid.");
        }

        return default;
    }
}

/// <summary>
/// As ours (IntrospectionByResourceServer): the resource server's client counts as the audience of the access tokens
/// for its resource for its own request alone, so that OpenIddict's authorized-party check passes; the answer carries
/// the token's own aud, and its scopes, as OpenIddict's AttachApplicationClaims (off in degraded mode) would add them.
/// </summary>
public sealed class ResourceServerAudience(IOptions<BareSettings> options) :
    IOpenIddictServerHandler<ValidateIntrospectionRequestContext>, IOpenIddictServerHandler<HandleIntrospectionRequestContext>
{
    private const string StandInProperty = ".bare_introspecting_resource_server";

    public static OpenIddictServerHandlerDescriptor ValidateDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .UseSingletonHandler<ResourceServerAudience>()
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public static OpenIddictServerHandlerDescriptor HandleDescriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleIntrospectionRequestContext>()
            .UseSingletonHandler<ResourceServerAudience>()
            .SetOrder(OpenIddictServerHandlers.Introspection.AttachMetadataClaims.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ValidateIntrospectionRequestContext context)
    {
        var settings = options.Value;
        if (context.GenericTokenPrincipal is { } principal && principal.HasTokenType(TokenTypeIdentifiers.AccessToken)
            && principal.HasAudience(settings.Audience))
        {
            principal.SetAudiences([.. principal.GetAudiences(), settings.IntrospectorId]);
            context.Transaction.SetProperty(StandInProperty, settings.IntrospectorId);
        }

        return default;
    }

    public ValueTask HandleAsync(HandleIntrospectionRequestContext context)
    {
        if (context.Transaction.GetProperty<string>(StandInProperty) is { } clientId)
        {
            context.Audiences.Remove(clientId);
            context.Scopes.UnionWith(context.GenericTokenPrincipal!.GetScopes());
        }

        return default;
    }
}
