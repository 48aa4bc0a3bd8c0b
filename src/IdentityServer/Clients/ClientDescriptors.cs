using System.Text.RegularExpressions;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>What a client is checked against besides its own fields.</summary>
/// <param name="FirstPartyClientId">AuthApi:ClientId, the only client the password grant is allowed to.</param>
/// <param name="KnownScopes">Scopes the server issues; null: not checked (no server to ask, e.g. a unit test).</param>
/// <param name="AnyHttpHost">Development: plain-http redirect URIs on any host, not only on loopback.</param>
/// <param name="ReservedScopes">Scopes only configuration may grant (the admin API and CLI may not): they act on the
/// user's account or on the server itself, which no registered third party should be able to.</param>
/// <param name="KnownResources">The API scopes' resources (a resource server client names one); null: not checked.</param>
public sealed record ClientRules(string? FirstPartyClientId = null, IReadOnlySet<string>? KnownScopes = null, bool AnyHttpHost = true,
    IReadOnlySet<string>? ReservedScopes = null, IReadOnlySet<string>? KnownResources = null);

/// <summary>One broken rule, by the <see cref="ClientSeed"/> property it concerns ("ClientId" for the id).</summary>
public sealed record ClientError(string Field, string Message);

/// <summary>
/// Turns a client (seeded from configuration, or registered through the admin API or CLI) into an OpenIddict
/// descriptor, refusing combinations RFC 9700 rules out. The seed, the API and the CLI apply these same rules.
/// </summary>
public static partial class ClientDescriptors
{
    public const string ClientIdField = "ClientId";

    private static readonly HashSet<string> SupportedGrants =
        [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials, GrantTypes.Password,
            GrantTypes.DeviceCode, GrantTypes.TokenExchange];

    /// <param name="firstPartyClientId">AuthApi:ClientId, the only client the password grant is allowed to.</param>
    public static OpenIddictApplicationDescriptor Create(string clientId, ClientSeed seed, string? firstPartyClientId = null) =>
        Create(clientId, seed, new ClientRules(firstPartyClientId));

    /// <exception cref="InvalidOperationException">The client breaks a rule; the message names the setting.</exception>
    public static OpenIddictApplicationDescriptor Create(string clientId, ClientSeed seed, ClientRules rules)
    {
        if (Validate(clientId, seed, rules) is [_, ..] errors)
        {
            throw new InvalidOperationException($"Seed:Clients:{clientId}: {string.Join(" ", errors.Select(error => error.Message))}");
        }

        return Describe(clientId, seed);
    }

    /// <returns>Every rule the client breaks; empty when it is valid.</returns>
    public static IReadOnlyList<ClientError> Validate(string clientId, ClientSeed seed, ClientRules rules)
    {
        var errors = new List<ClientError>();
        void Invalid(string field, string problem) => errors.Add(new ClientError(field, problem));

        // A client_credentials token's sub is the client_id (RFC 9068 2.2) and users' ids are GUIDs: a GUID-shaped
        // client_id could pass for a user at a resource server (e.g. own that user's posts).
        if (Guid.TryParse(clientId, out _))
        {
            Invalid(ClientIdField, "a client_id must not look like a GUID, which is the form of user ids (token subjects).");
        }
        else if (!ClientIdPattern().IsMatch(clientId))
        {
            // It appears in URLs (/admin/clients/{id}) and in revocation records, whose separator is '|'.
            Invalid(ClientIdField, "a client_id is 1-100 characters of A-Z, a-z, 0-9, '.', '_' and '-', with at least one letter or digit.");
        }

        if (seed.DisplayName.Length > 200)
        {
            Invalid(nameof(ClientSeed.DisplayName), "at most 200 characters.");
        }

        bool? isPublic = seed.Type switch
        {
            "public" => true,
            "confidential" => false,
            _ => null,
        };
        if (isPublic is null)
        {
            Invalid(nameof(ClientSeed.Type), $"Type must be \"public\" or \"confidential\", not \"{seed.Type}\".");
        }

        if (seed.ConsentType is not ("implicit" or "explicit"))
        {
            Invalid(nameof(ClientSeed.ConsentType), $"ConsentType must be \"implicit\" or \"explicit\", not \"{seed.ConsentType}\".");
        }

        if (isPublic == true && !string.IsNullOrEmpty(seed.Secret))
        {
            Invalid(nameof(ClientSeed.Secret), "a public client cannot have a Secret.");
        }

        if (isPublic == false && string.IsNullOrEmpty(seed.Secret) && seed.TokenEndpointAuthMethod != ClientAuthenticationMethods.PrivateKeyJwt)
        {
            Invalid(nameof(ClientSeed.Secret), $"a confidential client needs a Secret (set Seed__Clients__{clientId}__Secret).");
        }

        if (isPublic == true && seed.GrantTypes.Contains(GrantTypes.ClientCredentials))
        {
            Invalid(nameof(ClientSeed.GrantTypes), "a public client cannot use client_credentials.");
        }

        // Introspection needs client authentication, which a public client cannot do.
        if (isPublic == true && seed.Introspection)
        {
            Invalid(nameof(ClientSeed.Introspection), "a public client cannot call the introspection endpoint.");
        }

        // The API it is: what it introspects tokens for, or exchanges tokens sent to it; nothing without either.
        if (!string.IsNullOrEmpty(seed.Resource) && !seed.Introspection && !seed.GrantTypes.Contains(GrantTypes.TokenExchange))
        {
            Invalid(nameof(ClientSeed.Resource), "a Resource is the API a resource server is, for introspection or token exchange: set Introspection too.");
        }
        else if (!string.IsNullOrEmpty(seed.Resource) && rules.KnownResources is { } resources && !resources.Contains(seed.Resource))
        {
            Invalid(nameof(ClientSeed.Resource), $"\"{seed.Resource}\" is not the resource of any API scope; "
                + $"this server's are {string.Join(" ", resources.Order(StringComparer.Ordinal))}.");
        }

        if (seed.GrantTypes.FirstOrDefault(grant => !SupportedGrants.Contains(grant)) is { } unsupported)
        {
            Invalid(nameof(ClientSeed.GrantTypes), $"grant type \"{unsupported}\" is not supported.");
        }

        // RFC 9700 2.4: the password grant only for the operator's own app, which is a public client (an app cannot
        // keep a secret, and /auth/login presents no client credentials).
        if (seed.GrantTypes.Contains(GrantTypes.Password) && (clientId != rules.FirstPartyClientId || isPublic != true))
        {
            Invalid(nameof(ClientSeed.GrantTypes), "the password grant is reserved for the public first-party client named by AuthApi:ClientId.");
        }

        if (seed.GrantTypes.Contains(GrantTypes.AuthorizationCode) && seed.RedirectUris.Count == 0)
        {
            Invalid(nameof(ClientSeed.RedirectUris), "the authorization_code grant needs at least one RedirectUri.");
        }

        if (seed.RequirePushedAuthorizationRequests && !seed.GrantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            Invalid(nameof(ClientSeed.RequirePushedAuthorizationRequests), "only a client of the authorization_code grant sends authorization requests.");
        }

        CheckTokenExchange(seed, rules, isPublic == true, Invalid);

        CheckUris(nameof(ClientSeed.RedirectUris), seed.RedirectUris, rules, isPublic == true, Invalid);
        CheckUris(nameof(ClientSeed.PostLogoutRedirectUris), seed.PostLogoutRedirectUris, rules, isPublic == true, Invalid);

        CheckLogoutUris(seed, rules, Invalid);

        CheckClientAuthentication(seed, rules, isPublic, Invalid);

        if (rules.KnownScopes is { } known && seed.Scopes.Where(scope => !known.Contains(scope)).ToList() is [_, ..] unknown)
        {
            Invalid(nameof(ClientSeed.Scopes), $"unknown scope(s) {string.Join(", ", unknown.Select(scope => $"\"{scope}\""))}; "
                + $"this server issues {string.Join(" ", known.Order(StringComparer.Ordinal))}.");
        }

        if (rules.ReservedScopes is { } reserved && seed.Scopes.Where(reserved.Contains).ToList() is [_, ..] taken)
        {
            Invalid(nameof(ClientSeed.Scopes), $"{string.Join(", ", taken.Select(scope => $"\"{scope}\""))} can only be given to a "
                + "first-party client declared in configuration (Seed:Clients), never through the admin API or CLI.");
        }

        return errors;
    }

    private static void CheckUris(string field, List<Uri> uris, ClientRules rules, bool isPublic, Action<string, string> invalid)
    {
        foreach (var uri in uris)
        {
            if (!uri.IsAbsoluteUri || uri.Fragment.Length > 0)
            {
                invalid(field, $"\"{uri}\" must be an absolute URI without a fragment.");
            }
            else if (uri.OriginalString != uri.AbsoluteUri)
            {
                // A request's redirect_uri must match character for character (RFC 9700 2.1); a registration in
                // another spelling than its normal form would leave it unclear which one must be sent.
                invalid(field, $"\"{uri.OriginalString}\" must be written in its normal form, \"{uri.AbsoluteUri}\".");
            }
            else if (!IsAllowedScheme(uri, rules, isPublic))
            {
                invalid(field, $"\"{uri}\" must use https; http only for a native (public) app on a loopback IP "
                    + "(127.0.0.1 or [::1], RFC 8252 7.3), or a private-use scheme with a dot (RFC 8252 7.1, e.g. com.example.app:/callback).");
            }
        }
    }

    // RFC 8693: a resource server exchanges the tokens sent to the API it is (its Resource) for tokens to the APIs it
    // calls on the user's behalf, named here. It authenticates, so it is confidential.
    private static void CheckTokenExchange(ClientSeed seed, ClientRules rules, bool isPublic, Action<string, string> invalid)
    {
        if (!seed.GrantTypes.Contains(GrantTypes.TokenExchange))
        {
            if (seed.TokenExchangeAudiences.Count > 0)
            {
                invalid(nameof(ClientSeed.TokenExchangeAudiences), $"only a client of the {GrantTypes.TokenExchange} grant exchanges tokens.");
            }

            return;
        }

        if (isPublic)
        {
            invalid(nameof(ClientSeed.GrantTypes), "a public client cannot use token exchange: it cannot authenticate.");
        }

        if (string.IsNullOrEmpty(seed.Resource))
        {
            invalid(nameof(ClientSeed.Resource), "token exchange needs the Resource this client is: only tokens sent to it can be exchanged.");
        }

        if (seed.TokenExchangeAudiences.Count == 0)
        {
            invalid(nameof(ClientSeed.TokenExchangeAudiences), "token exchange needs at least one resource the client may exchange towards.");
        }
        else if (rules.KnownResources is { } resources && seed.TokenExchangeAudiences.Where(audience => !resources.Contains(audience)).ToList() is [_, ..] unknown)
        {
            invalid(nameof(ClientSeed.TokenExchangeAudiences), $"{string.Join(", ", unknown.Select(audience => $"\"{audience}\""))} "
                + $"is not the resource of any API scope; this server's are {string.Join(" ", resources.Order(StringComparer.Ordinal))}.");
        }
    }

    // Logout URIs are called by this server (back-channel) or loaded in the user's browser (front-channel) with the
    // session's sid: https, or plain http on loopback in Development. Only for clients that sign users in.
    private static void CheckLogoutUris(ClientSeed seed, ClientRules rules, Action<string, string> invalid)
    {
        foreach (var (field, uri) in new[] { (nameof(ClientSeed.BackChannelLogoutUri), seed.BackChannelLogoutUri),
            (nameof(ClientSeed.FrontChannelLogoutUri), seed.FrontChannelLogoutUri) })
        {
            if (uri is null)
            {
                continue;
            }

            if (!seed.GrantTypes.Contains(GrantTypes.AuthorizationCode))
            {
                invalid(field, "only a client of the authorization_code grant signs users in, so only it can be told of a logout.");
            }
            else if (!uri.IsAbsoluteUri || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                invalid(field, $"\"{uri}\" must be an absolute URI without a fragment or user information.");
            }
            else if (!(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && rules.AnyHttpHost && uri.IsLoopback)))
            {
                invalid(field, $"\"{uri}\" must use https (http only on a loopback host, in Development).");
            }
        }

        if (seed.BackChannelLogoutSessionRequired && seed.BackChannelLogoutUri is null)
        {
            invalid(nameof(ClientSeed.BackChannelLogoutSessionRequired), "needs a BackChannelLogoutUri.");
        }

        if (seed.FrontChannelLogoutSessionRequired && seed.FrontChannelLogoutUri is null)
        {
            invalid(nameof(ClientSeed.FrontChannelLogoutSessionRequired), "needs a FrontChannelLogoutUri.");
        }
    }

    // Outside Development, plain http only where nothing leaves the device: a native app's loopback listener, named by
    // IP (RFC 8252 8.3: "localhost" may resolve elsewhere). A web server (confidential client) uses https.
    private static bool IsAllowedScheme(Uri uri, ClientRules rules, bool isPublic) =>
        uri.Scheme == Uri.UriSchemeHttps
        || (uri.Scheme == Uri.UriSchemeHttp && (rules.AnyHttpHost
            || (isPublic && System.Net.IPAddress.TryParse(uri.Host, out var address) && System.Net.IPAddress.IsLoopback(address))))
        // A native app's own scheme, named after a domain it controls; never javascript:, data:, file: and the like.
        || uri.Scheme.Contains('.', StringComparison.Ordinal);

    /// <summary>The descriptor of a client <see cref="Validate"/> accepted.</summary>
    public static OpenIddictApplicationDescriptor Describe(string clientId, ClientSeed seed)
    {
        var isPublic = seed.Type == "public";
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = seed.Secret,
            ClientType = isPublic ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = seed.ConsentType == "implicit" ? ConsentTypes.Implicit : ConsentTypes.Explicit,
            DisplayName = string.IsNullOrWhiteSpace(seed.DisplayName) ? clientId : seed.DisplayName,
        };

        ClientProperties.SetRequireAuthTime(descriptor, seed.RequireAuthTime);
        ClientProperties.SetRequireMfa(descriptor, seed.RequireMfa);
        ClientProperties.SetRequireDPoP(descriptor, seed.RequireDPoP);
        ClientProperties.SetResource(descriptor, seed.Resource);
        ClientProperties.SetLogout(descriptor, seed);
        ClientProperties.SetClientKeys(descriptor, seed);
        ClientProperties.SetTokenExchangeAudiences(descriptor, seed.TokenExchangeAudiences);
        descriptor.RedirectUris.UnionWith(seed.RedirectUris);
        descriptor.PostLogoutRedirectUris.UnionWith(seed.PostLogoutRedirectUris);

        if (seed.GrantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession,
                Permissions.Endpoints.PushedAuthorization, Permissions.ResponseTypes.Code]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
            if (seed.RequirePushedAuthorizationRequests)
            {
                descriptor.Requirements.Add(Requirements.Features.PushedAuthorizationRequests);
            }
        }

        // RFC 8628: the device asks for its codes at the device authorization endpoint, then polls the token endpoint.
        if (seed.GrantTypes.Contains(GrantTypes.DeviceCode))
        {
            descriptor.Permissions.Add(Permissions.Endpoints.DeviceAuthorization);
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

    // At least one letter or digit: "." and ".." would be collapsed out of /admin/clients/{id} by any HTTP client.
    [GeneratedRegex("^(?=.*[A-Za-z0-9])[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex ClientIdPattern();
}
