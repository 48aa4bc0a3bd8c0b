using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OpenIddict.Validation;
using OpenIddict.Validation.AspNetCore;
using RedisJwt.Revocation.DPoP;
using RedisJwt.ServiceDefaults.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace RedisJwt.BoardApi.Auth;

/// <summary>
/// BoardApi as an OAuth protected resource (RFC 9728): its identifier, the metadata document telling a client which
/// authorization server, scopes and token kinds it takes, and where that document is.
/// </summary>
public sealed class ProtectedResource(IOptions<TokenValidationSettings> settings)
{
    /// <summary>RFC 9728 3: the well-known suffix of the metadata document.</summary>
    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    /// <summary>The challenge parameter pointing at the metadata (RFC 9728 5.1).</summary>
    public const string MetadataParameter = "resource_metadata";

    // A client reads it on each 401 at most; the settings it reflects change with a deployment.
    public const string CacheControl = "public, max-age=3600";

    /// <summary>
    /// BoardApi's one resource identifier, Auth:Audience (RFC 8707): what tokens for it carry as <c>aud</c>, what
    /// clients name as <c>resource</c>, and what the metadata says it is (RFC 9728 3.3 wants them to be the same).
    /// </summary>
    public Uri Identifier => new(settings.Value.Audience);

    /// <summary>RFC 9728 3.1: the well-known suffix between the host and the identifier's path.</summary>
    public string MetadataUrl => $"{Identifier.GetLeftPart(UriPartial.Authority)}{MetadataPath}{Path(Identifier)}";

    public Metadata MetadataDocument()
    {
        return new Metadata(
            settings.Value.Audience,
            [settings.Value.Issuer!.AbsoluteUri],
            [Scopes.PostsRead, Scopes.PostsWrite],
            // Only the Authorization header (AuthSetup turns the query string and form off).
            ["header"],
            // Introspection mode takes no DPoP-bound tokens (the RedisJwt.Revocation README says why): none advertised.
            settings.Value.Mode == TokenValidationMode.Jwt ? DPoPProofValidator.Algorithms : null,
            DPoPBoundAccessTokensRequired: false);
    }

    private static string Path(Uri resource) => resource.AbsolutePath == "/" ? "" : resource.AbsolutePath.TrimEnd('/');

    /// <summary>RFC 9728 2: the protected resource metadata.</summary>
    public sealed record Metadata(
        [property: JsonPropertyName("resource")] string Resource,
        [property: JsonPropertyName("authorization_servers")] IReadOnlyList<string> AuthorizationServers,
        [property: JsonPropertyName("scopes_supported")] IReadOnlyList<string> ScopesSupported,
        [property: JsonPropertyName("bearer_methods_supported")] IReadOnlyList<string> BearerMethodsSupported,
        [property: JsonPropertyName("dpop_signing_alg_values_supported"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        IReadOnlyList<string>? DPoPSigningAlgValuesSupported,
        [property: JsonPropertyName("dpop_bound_access_tokens_required")] bool DPoPBoundAccessTokensRequired);
}

public static class ProtectedResourceSetup
{
    /// <summary><c>GET /.well-known/oauth-protected-resource</c>: anonymous, any origin, cacheable.</summary>
    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(ProtectedResource.MetadataPath, (HttpContext context, ProtectedResource resource) =>
            {
                context.Response.Headers.CacheControl = ProtectedResource.CacheControl;
                return TypedResults.Json(resource.MetadataDocument());
            })
            .AllowAnonymous()
            .RequireCors(ServiceCors.AnyOrigin);
        return endpoints;
    }
}

/// <summary>
/// Every 401 from token validation names the metadata document (RFC 9728 5.1), so a client that was refused can find
/// out which authorization server to ask and what kind of token to bring. In the Bearer and the DPoP challenge alike.
/// </summary>
public sealed class ResourceMetadataChallenge(ProtectedResource resource) : IOpenIddictValidationHandler<ProcessChallengeContext>
{
    public static OpenIddictValidationHandlerDescriptor Descriptor { get; }
        = OpenIddictValidationHandlerDescriptor.CreateBuilder<ProcessChallengeContext>()
            .UseSingletonHandler<ResourceMetadataChallenge>()
            // Before OpenIddict writes the challenge from the response's parameters.
            .SetOrder(OpenIddictValidationAspNetCoreHandlers.AttachWwwAuthenticateHeader<ProcessChallengeContext>.Descriptor.Order - 500)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessChallengeContext context)
    {
        if (context.Response.Error is Errors.InvalidToken or Errors.MissingToken or DPoPBindingRule.InvalidProofError)
        {
            context.Response[ProtectedResource.MetadataParameter] = resource.MetadataUrl;
        }

        return default;
    }
}
