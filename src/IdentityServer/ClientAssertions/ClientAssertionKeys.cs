using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.ClientAssertions;

/// <summary>
/// The keys and algorithms a client assertion is verified with, set on the validation parameters OpenIddict built for
/// it. OpenIddict looks the keys up with a synchronous resolver over the application manager's
/// <c>GetJsonWebKeySetAsync</c> (the client's inline <c>jwks</c>); here they are resolved ahead, asynchronously, from
/// the same store or, for a client that registered a <c>jwks_uri</c>, from <see cref="ClientJwksCache"/>. An assertion
/// naming a kid must name one of the client's keys (a kid the cached set lacks fetches the set again: key rotation).
/// </summary>
public sealed class ClientAssertionKeys(IOpenIddictApplicationManager applications, ClientJwksCache jwksUris,
    IOptions<ClientAssertionSettings> options) : IOpenIddictServerHandler<ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .AddFilter<RequireClientAssertion>()
            .UseScopedHandler<ClientAssertionKeys>()
            .SetOrder(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ValidateTokenContext context)
    {
        // RFC 8725 3.1: the algorithms are ours to choose, never the token's (no none, no HMAC with a public key).
        var parameters = context.TokenValidationParameters;
        parameters.ValidAlgorithms = ClientKeySet.Algorithms;
        parameters.ClockSkew = options.Value.ClockSkew;
        parameters.IssuerSigningKeyResolver = null;
        parameters.IssuerSigningKeys = [];

        var token = ReadUnverified(context.Token);
        // OpenIddict refuses any other audience too, but as invalid_token, which is no client authentication error
        // (RFC 6749 5.2): the issuer identifier, alone (see ClientAssertionPolicy for why not an endpoint's URL).
        if (token is not null && (token.Audiences.Count() != 1 || !context.ValidAudiences.Contains(token.Audiences.Single())))
        {
            context.Reject(error: Errors.InvalidClient, description: "The client assertion's aud must be this server's issuer identifier, alone.");
            return;
        }

        if (token?.Issuer is not { Length: > 0 } clientId
            || await applications.FindByClientIdAsync(clientId, context.CancellationToken) is not { } application)
        {
            return; // no keys: refused as invalid_client by OpenIddict's signature check
        }

        var kid = string.IsNullOrEmpty(token.Kid) ? null : token.Kid;
        JsonWebKeySet? set;
        if (await ClientProperties.JwksUriAsync(applications, application, context.CancellationToken) is { } jwksUri)
        {
            try
            {
                set = await jwksUris.GetAsync(clientId, jwksUri, kid, context.CancellationToken);
            }
            catch (ClientKeysUnavailableException exception)
            {
                context.Reject(error: Errors.InvalidClient, description: $"The client assertion cannot be verified: {exception.Message}");
                return;
            }
        }
        else
        {
            set = await applications.GetJsonWebKeySetAsync(application, context.CancellationToken);
        }

        var keys = set?.GetSigningKeys() ?? [];
        if (kid is not null)
        {
            keys = [.. keys.Where(key => key.KeyId == kid)];
            if (keys.Count == 0)
            {
                context.Reject(error: Errors.InvalidClient, description: $"The client has no key \"{kid}\" to verify its assertion with.");
                return;
            }
        }

        parameters.IssuerSigningKeys = keys;
    }

    private static JsonWebToken? ReadUnverified(string? token)
    {
        try
        {
            return string.IsNullOrEmpty(token) ? null : new JsonWebToken(token);
        }
        catch (Exception exception) when (exception is ArgumentException or SecurityTokenException)
        {
            return null; // OpenIddict refuses it as malformed
        }
    }
}

/// <summary>
/// Lets <see cref="ClientAssertionKeys"/> be resolved only for a client assertion, not for every token validated
/// (introspection, refresh tokens: the hot paths).
/// </summary>
public sealed class RequireClientAssertion : IOpenIddictServerHandlerFilter<ValidateTokenContext>
{
    public ValueTask<bool> IsActiveAsync(ValidateTokenContext context) => new(
        context.ValidTokenTypes.Count == 1 && context.ValidTokenTypes.Contains(TokenTypeIdentifiers.Private.ClientAssertion));
}
