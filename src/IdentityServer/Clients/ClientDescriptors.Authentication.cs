using RedisJwt.IdentityServer.ClientAssertions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Clients;

public static partial class ClientDescriptors
{
    private static readonly string[] AuthMethods = [ClientAuthenticationMethods.ClientSecretBasic,
        ClientAuthenticationMethods.ClientSecretPost, ClientAuthenticationMethods.PrivateKeyJwt, ClientAuthenticationMethods.None];

    // RFC 7591 2 token_endpoint_auth_method and its keys (RFC 7523 private_key_jwt). A private_key_jwt client is
    // confidential and holds no secret: the key is its only credential, and ours to verify only in public.
    private static void CheckClientAuthentication(ClientSeed seed, ClientRules rules, bool? isPublic, Action<string, string> invalid)
    {
        const string field = nameof(ClientSeed.TokenEndpointAuthMethod);
        var method = seed.TokenEndpointAuthMethod;
        if (method == ClientAuthenticationMethods.ClientSecretJwt)
        {
            invalid(field, "client_secret_jwt is not accepted: its HMAC key is a shared secret the server would have to keep in "
                + "clear. Use private_key_jwt (register the public key) or client_secret_basic.");
        }
        else if (method is not null && !AuthMethods.Contains(method))
        {
            invalid(field, $"\"{method}\" is not one of {string.Join(", ", AuthMethods)}.");
        }
        else if (method == ClientAuthenticationMethods.None && isPublic == false)
        {
            invalid(field, "none is for a public client; a confidential client authenticates.");
        }
        else if (method is not null && method != ClientAuthenticationMethods.None && isPublic == true)
        {
            invalid(field, $"a public client cannot authenticate, so its method is none, not {method}.");
        }

        var hasJwks = !string.IsNullOrEmpty(seed.Jwks);
        if (method != ClientAuthenticationMethods.PrivateKeyJwt)
        {
            if (hasJwks || seed.JwksUri is not null)
            {
                invalid(hasJwks ? nameof(ClientSeed.Jwks) : nameof(ClientSeed.JwksUri),
                    "keys are for a client that authenticates with private_key_jwt (set TokenEndpointAuthMethod).");
            }

            return;
        }

        if (!string.IsNullOrEmpty(seed.Secret))
        {
            invalid(nameof(ClientSeed.Secret), "a private_key_jwt client authenticates with its key and has no Secret.");
        }

        if (hasJwks == (seed.JwksUri is not null))
        {
            invalid(nameof(ClientSeed.Jwks), "a private_key_jwt client registers exactly one of Jwks (its public keys) or JwksUri.");
        }
        else if (hasJwks && ClientKeySet.Read(seed.Jwks!, out var error) is null)
        {
            invalid(nameof(ClientSeed.Jwks), error!);
        }
        else if (seed.JwksUri is { } uri && !IsAllowedJwksUri(uri, rules))
        {
            invalid(nameof(ClientSeed.JwksUri), $"\"{uri}\" must be an absolute https URI without a fragment or user information "
                + "(http only on a loopback host, in Development).");
        }
    }

    private static bool IsAllowedJwksUri(Uri uri, ClientRules rules) =>
        uri.IsAbsoluteUri && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && rules.AnyHttpHost && uri.IsLoopback));
}
