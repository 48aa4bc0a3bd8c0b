using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>Turns a configured client into an OpenIddict descriptor, refusing combinations RFC 9700 rules out.</summary>
public static class ClientDescriptors
{
    private static readonly HashSet<string> SupportedGrants =
        [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials, GrantTypes.Password];

    /// <param name="firstPartyClientId">AuthApi:ClientId, the only client the password grant is allowed to.</param>
    public static OpenIddictApplicationDescriptor Create(string clientId, ClientSeed seed, string? firstPartyClientId = null)
    {
        string Invalid(string problem) => $"Seed:Clients:{clientId}: {problem}";

        // A client_credentials token's sub is the client_id (RFC 9068 2.2) and users' ids are GUIDs: a GUID-shaped
        // client_id could pass for a user at a resource server (e.g. own that user's posts).
        if (Guid.TryParse(clientId, out _))
        {
            throw new InvalidOperationException(Invalid("a client_id must not look like a GUID, which is the form of user ids (token subjects)."));
        }

        var isPublic = seed.Type switch
        {
            "public" => true,
            "confidential" => false,
            _ => throw new InvalidOperationException(Invalid($"Type must be \"public\" or \"confidential\", not \"{seed.Type}\".")),
        };

        if (isPublic && !string.IsNullOrEmpty(seed.Secret))
        {
            throw new InvalidOperationException(Invalid("a public client cannot have a Secret."));
        }

        if (!isPublic && string.IsNullOrEmpty(seed.Secret))
        {
            throw new InvalidOperationException(Invalid($"a confidential client needs a Secret (set Seed__Clients__{clientId}__Secret)."));
        }

        if (isPublic && seed.GrantTypes.Contains(GrantTypes.ClientCredentials))
        {
            throw new InvalidOperationException(Invalid("a public client cannot use client_credentials."));
        }

        if (seed.GrantTypes.FirstOrDefault(grant => !SupportedGrants.Contains(grant)) is { } unsupported)
        {
            throw new InvalidOperationException(Invalid($"grant type \"{unsupported}\" is not supported."));
        }

        // RFC 9700 2.4: the password grant only for the operator's own app, which is a public client (an app cannot
        // keep a secret, and /auth/login presents no client credentials).
        if (seed.GrantTypes.Contains(GrantTypes.Password) && (clientId != firstPartyClientId || !isPublic))
        {
            throw new InvalidOperationException(Invalid("the password grant is reserved for the public first-party client named by AuthApi:ClientId."));
        }

        var usesCode = seed.GrantTypes.Contains(GrantTypes.AuthorizationCode);
        if (usesCode && seed.RedirectUris.Count == 0)
        {
            throw new InvalidOperationException(Invalid("the authorization_code grant needs at least one RedirectUri."));
        }

        if (seed.RedirectUris.Concat(seed.PostLogoutRedirectUris).FirstOrDefault(uri => !uri.IsAbsoluteUri || uri.Fragment.Length > 0) is { } badUri)
        {
            throw new InvalidOperationException(Invalid($"\"{badUri}\" must be an absolute URI without a fragment."));
        }

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = seed.Secret,
            ClientType = isPublic ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = seed.ConsentType switch
            {
                "implicit" => ConsentTypes.Implicit,
                "explicit" => ConsentTypes.Explicit,
                _ => throw new InvalidOperationException(Invalid($"ConsentType must be \"implicit\" or \"explicit\", not \"{seed.ConsentType}\".")),
            },
            DisplayName = string.IsNullOrWhiteSpace(seed.DisplayName) ? clientId : seed.DisplayName,
        };

        descriptor.RedirectUris.UnionWith(seed.RedirectUris);
        descriptor.PostLogoutRedirectUris.UnionWith(seed.PostLogoutRedirectUris);

        if (usesCode)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession,
                Permissions.ResponseTypes.Code]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        if (seed.GrantTypes.Count > 0)
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation]);
        }

        if (seed.Introspection)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        descriptor.Permissions.UnionWith(seed.GrantTypes.Select(grant => Permissions.Prefixes.GrantType + grant));
        // openid and offline_access are governed by the flow and the refresh_token grant, not by scope permissions.
        descriptor.Permissions.UnionWith(seed.Scopes
            .Where(scope => scope is not Scopes.OpenId and not Scopes.OfflineAccess)
            .Select(scope => Permissions.Prefixes.Scope + scope));

        return descriptor;
    }
}
