using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.ClientAssertions;
using RedisJwt.IdentityServer.TokenRevocation;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// Registers, lists, changes and removes clients, for the admin API and the clients CLI alike, under the rules the
/// seed applies (<see cref="ClientDescriptors"/>). Clients in Seed:Clients are the configuration's: the seed
/// rewrites them at every start, so they are shown but never changed here.
/// </summary>
public sealed class ClientRegistry(IOpenIddictApplicationManager applications, ClientRulesSource rules,
    IOptions<SeedOptions> seed, Revoker revoker)
{
    public async Task<IReadOnlyList<ClientView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var views = new List<ClientView>();
        await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            views.Add(await ViewAsync(application, cancellationToken));
        }

        return [.. views.OrderBy(view => view.ClientId, StringComparer.Ordinal)];
    }

    public async Task<ClientView?> GetAsync(string clientId, CancellationToken cancellationToken = default) =>
        await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application
            ? await ViewAsync(application, cancellationToken)
            : null;

    /// <summary>A confidential client gets a new random secret, returned in the view this once.</summary>
    public async Task<ClientResult> CreateAsync(ClientRegistration registration, CancellationToken cancellationToken = default)
    {
        var clientId = registration.ClientId ?? "";
        // A private_key_jwt client is confidential with its key as its credential: no secret.
        var type = registration.Type ?? TypeOf(registration.TokenEndpointAuthMethod);
        var secret = type == "confidential" && registration.TokenEndpointAuthMethod != ClientAuthenticationMethods.PrivateKeyJwt
            ? NewSecret()
            : null;
        var (client, errors) = await CheckAsync(clientId, registration, type, secret, cancellationToken);
        if (errors is not null)
        {
            return new ClientResult(ClientOutcome.Invalid, Errors: errors);
        }

        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not null)
        {
            return Duplicate(clientId);
        }

        try
        {
            // OpenIddict stores only a hash of the secret (PBKDF2).
            var application = await applications.CreateAsync(ClientDescriptors.Describe(clientId, client), cancellationToken);
            return new ClientResult(ClientOutcome.Done, await ViewAsync(application, cancellationToken) with { ClientSecret = secret });
        }
        catch (Exception exception) when (exception is OpenIddictExceptions.ValidationException or DbUpdateException)
        {
            // Registered by a concurrent request since the lookup above (unique client_id).
            return Duplicate(clientId);
        }
    }

    /// <summary>Replaces every editable field; the type and the secret stay.</summary>
    public async Task<ClientResult> UpdateAsync(string clientId, ClientRegistration registration, CancellationToken cancellationToken = default)
    {
        var (refusal, application) = await FindEditableAsync(clientId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var current = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(current, application!, cancellationToken);
        var type = current.ClientType == ClientTypes.Public ? "public" : "confidential";
        var errors = new Dictionary<string, string[]>();
        if (registration.ClientId is { } renamed && renamed != clientId)
        {
            errors[nameof(ClientRegistration.ClientId)] = ["the client_id cannot change; remove the client and register it anew."];
        }

        if (registration.Type is { } retyped && retyped != type)
        {
            errors[nameof(ClientRegistration.Type)] = [$"the client_type cannot change (it is {type}); remove the client and register it anew."];
        }

        // The stored hash stands in for the secret: it satisfies the rules and OpenIddict keeps it as it is. A client
        // turning to private_key_jwt drops it: its key is then its only credential, and it has no secret to go back to.
        var toKey = registration.TokenEndpointAuthMethod == ClientAuthenticationMethods.PrivateKeyJwt;
        if (type == "confidential" && string.IsNullOrEmpty(current.ClientSecret) && !toKey)
        {
            errors[nameof(ClientRegistration.TokenEndpointAuthMethod)] =
                ["a private_key_jwt client has no secret to authenticate with instead; remove the client and register it anew."];
            return new ClientResult(ClientOutcome.Invalid, Errors: errors);
        }

        var kept = toKey ? null : current.ClientSecret;
        var (client, invalid) = await CheckAsync(clientId, registration, type, kept, cancellationToken);
        if (invalid is not null || errors.Count > 0)
        {
            return new ClientResult(ClientOutcome.Invalid, Errors: Merge(errors, invalid));
        }

        try
        {
            await applications.UpdateAsync(application!, ClientDescriptors.Describe(clientId, client), cancellationToken);
        }
        catch (Exception exception) when (exception is OpenIddictExceptions.ConcurrencyException or DbUpdateException)
        {
            return Conflict(clientId);
        }

        return new ClientResult(ClientOutcome.Done, await ViewAsync(application!, cancellationToken));
    }

    /// <summary>
    /// Removes the client and ends everything it holds at once. It is disabled first (no endpoint, no grant), so it
    /// cannot get a token while what it holds is listed; then its token families and client_credentials tokens are
    /// revoked in Redis (resource servers reject its live access tokens), then the rows go from PostgreSQL.
    /// </summary>
    public async Task<ClientResult> RemoveAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var (refusal, application) = await FindEditableAsync(clientId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        try
        {
            var disabled = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(disabled, application!, cancellationToken);
            disabled.Permissions.Clear();
            await applications.UpdateAsync(application!, disabled, cancellationToken);

            await revoker.EndClientAsync(await applications.GetIdAsync(application!, cancellationToken) ?? "", clientId);

            // OpenIddict deletes the client's authorizations and tokens with it.
            await applications.DeleteAsync(application!, cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return new ClientResult(ClientOutcome.Unavailable,
                Detail: "The client's tokens could not be revoked (Redis cannot be reached); it is disabled, not removed. Retry shortly.");
        }
        catch (Exception exception) when (exception is OpenIddictExceptions.ConcurrencyException or DbUpdateException)
        {
            return Conflict(clientId);
        }

        return new ClientResult(ClientOutcome.Done);
    }

    /// <summary>A new secret for a confidential client, returned this once; the old one stops working at once.</summary>
    public async Task<ClientResult> RotateSecretAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var (refusal, application) = await FindEditableAsync(clientId, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (await applications.HasClientTypeAsync(application!, ClientTypes.Public, cancellationToken))
        {
            return new ClientResult(ClientOutcome.Invalid, Errors: new Dictionary<string, string[]>
            {
                [nameof(ClientRegistration.Type)] = ["a public client has no secret to rotate."],
            });
        }

        if (await ClientProperties.TokenEndpointAuthMethodAsync(applications, application!, cancellationToken) == ClientAuthenticationMethods.PrivateKeyJwt)
        {
            return new ClientResult(ClientOutcome.Invalid, Errors: new Dictionary<string, string[]>
            {
                [nameof(ClientRegistration.TokenEndpointAuthMethod)] = ["a private_key_jwt client authenticates with its key and has no secret."],
            });
        }

        var secret = NewSecret();
        try
        {
            await applications.UpdateAsync(application!, secret, cancellationToken);
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            return Conflict(clientId);
        }

        return new ClientResult(ClientOutcome.Done, await ViewAsync(application!, cancellationToken) with { ClientSecret = secret });
    }

    public bool IsManagedByConfiguration(string clientId) => seed.Value.Clients.ContainsKey(clientId);

    /// <summary>32 random bytes (256 bits), base64url: beyond guessing, and safe in a form or a Basic header.</summary>
    private static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    private async Task<(ClientResult? Refusal, object? Application)> FindEditableAsync(string clientId, CancellationToken cancellationToken)
    {
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not { } application)
        {
            return (new ClientResult(ClientOutcome.NotFound, Detail: $"There is no client \"{clientId}\"."), null);
        }

        return IsManagedByConfiguration(clientId)
            ? (new ClientResult(ClientOutcome.ManagedByConfiguration, Detail: $"The client \"{clientId}\" is managed by configuration "
                + $"(Seed:Clients:{clientId}), which is applied at every start; change it there."), application)
            : (null, application);
    }

    private async Task<(ClientSeed Client, Dictionary<string, string[]>? Errors)> CheckAsync(string clientId,
        ClientRegistration registration, string? type, string? secret, CancellationToken cancellationToken)
    {
        var errors = new List<ClientError>();
        List<Uri> Uris(string field, List<string>? values) => [.. (values ?? []).Select(value =>
        {
            if (Uri.TryCreate(value, UriKind.RelativeOrAbsolute, out var uri))
            {
                return uri;
            }

            errors.Add(new ClientError(field, $"\"{value}\" is not a URI."));
            return null;
        }).OfType<Uri>()];

        var client = new ClientSeed
        {
            DisplayName = registration.DisplayName?.Trim() ?? "",
            Type = type ?? "",
            ConsentType = registration.ConsentType ?? "explicit",
            Secret = secret,
            GrantTypes = [.. (registration.GrantTypes ?? []).Distinct(StringComparer.Ordinal)],
            RedirectUris = Uris(nameof(ClientSeed.RedirectUris), registration.RedirectUris),
            PostLogoutRedirectUris = Uris(nameof(ClientSeed.PostLogoutRedirectUris), registration.PostLogoutRedirectUris),
            Scopes = [.. (registration.Scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)],
            Introspection = registration.Introspection ?? false,
            RequireAuthTime = registration.RequireAuthTime ?? false,
            RequireMfa = registration.RequireMfa ?? false,
            RequirePushedAuthorizationRequests = registration.RequirePushedAuthorizationRequests ?? false,
            RequireDPoP = registration.RequireDPoP ?? false,
            BackChannelLogoutUri = Uris(nameof(ClientSeed.BackChannelLogoutUri), [.. NonEmpty(registration.BackChannelLogoutUri)]).FirstOrDefault(),
            BackChannelLogoutSessionRequired = registration.BackChannelLogoutSessionRequired ?? false,
            FrontChannelLogoutUri = Uris(nameof(ClientSeed.FrontChannelLogoutUri), [.. NonEmpty(registration.FrontChannelLogoutUri)]).FirstOrDefault(),
            FrontChannelLogoutSessionRequired = registration.FrontChannelLogoutSessionRequired ?? false,
            TokenEndpointAuthMethod = string.IsNullOrEmpty(registration.TokenEndpointAuthMethod) ? null : registration.TokenEndpointAuthMethod,
            Jwks = registration.Jwks is { ValueKind: not JsonValueKind.Null } jwks ? jwks.GetRawText() : null,
            JwksUri = Uris(nameof(ClientSeed.JwksUri), [.. NonEmpty(registration.JwksUri)]).FirstOrDefault(),
            TokenExchangeAudiences = [.. (registration.TokenExchangeAudiences ?? []).Distinct(StringComparer.Ordinal)],
        };

        if (type is null)
        {
            errors.Add(new ClientError(nameof(ClientSeed.Type), "required: \"public\" or \"confidential\"."));
        }
        else
        {
            errors.AddRange(ClientDescriptors.Validate(clientId, client, await rules.ForRegistryAsync(cancellationToken)));
        }

        return (client, errors.Count == 0 ? null : errors
            .GroupBy(error => error.Field)
            .ToDictionary(group => group.Key, group => group.Select(error => error.Message).Distinct().ToArray()));
    }

    // RFC 7591 2: a client's type follows from its authentication method when only that is given.
    private static string? TypeOf(string? authMethod) => authMethod switch
    {
        null or "" => null,
        ClientAuthenticationMethods.None => "public",
        _ => "confidential",
    };

    private static IEnumerable<string> NonEmpty(string? value) => string.IsNullOrEmpty(value) ? [] : [value];

    private async Task<ClientView> ViewAsync(object application, CancellationToken cancellationToken)
    {
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        var grants = descriptor.Permissions
            .Where(permission => permission.StartsWith(Permissions.Prefixes.GrantType, StringComparison.Ordinal))
            .Select(permission => permission[Permissions.Prefixes.GrantType.Length..])
            .Order(StringComparer.Ordinal)
            .ToList();
        // openid and offline_access are not stored as permissions: they follow the sign-in grants and refresh_token.
        IEnumerable<string> scopes =
        [
            .. grants.Any(grant => grant is GrantTypes.AuthorizationCode or GrantTypes.Password or GrantTypes.DeviceCode) ? [Scopes.OpenId] : Array.Empty<string>(),
            .. grants.Contains(GrantTypes.RefreshToken) ? [Scopes.OfflineAccess] : Array.Empty<string>(),
            .. descriptor.Permissions
                .Where(permission => permission.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                .Select(permission => permission[Permissions.Prefixes.Scope.Length..])
                .Order(StringComparer.Ordinal),
        ];

        var clientId = descriptor.ClientId ?? "";
        return new ClientView(clientId, descriptor.DisplayName ?? clientId,
            descriptor.ClientType == ClientTypes.Public ? "public" : "confidential",
            descriptor.ConsentType == ConsentTypes.Implicit ? "implicit" : "explicit",
            grants,
            [.. descriptor.RedirectUris.Select(uri => uri.OriginalString).Order(StringComparer.Ordinal)],
            [.. descriptor.PostLogoutRedirectUris.Select(uri => uri.OriginalString).Order(StringComparer.Ordinal)],
            string.Join(' ', scopes),
            descriptor.Permissions.Contains(Permissions.Endpoints.Introspection),
            ClientProperties.RequiresAuthTime(descriptor),
            ClientProperties.RequiresMfa(descriptor),
            descriptor.Requirements.Contains(Requirements.Features.PushedAuthorizationRequests),
            ClientProperties.RequiresDPoP(descriptor),
            ClientProperties.Text(descriptor, ClientProperties.BackChannelLogoutUri),
            ClientProperties.Flag(descriptor, ClientProperties.BackChannelLogoutSessionRequired),
            ClientProperties.Text(descriptor, ClientProperties.FrontChannelLogoutUri),
            ClientProperties.Flag(descriptor, ClientProperties.FrontChannelLogoutSessionRequired),
            IsManagedByConfiguration(clientId))
        {
            TokenEndpointAuthMethod = ClientProperties.AuthMethod(descriptor),
            Jwks = descriptor.JsonWebKeySet is { } keys ? ClientKeySet.ToJson(keys) : null,
            JwksUri = ClientProperties.Text(descriptor, ClientProperties.JwksUri),
            TokenExchangeAudiences = ClientProperties.ExchangeAudiences(descriptor),
        };
    }

    private static Dictionary<string, string[]> Merge(Dictionary<string, string[]> errors, Dictionary<string, string[]>? more)
    {
        foreach (var (field, messages) in more ?? [])
        {
            errors[field] = [.. errors.GetValueOrDefault(field, []), .. messages];
        }

        return errors;
    }

    private static ClientResult Duplicate(string clientId) =>
        new(ClientOutcome.Duplicate, Detail: $"A client \"{clientId}\" is already registered.");

    private static ClientResult Conflict(string clientId) =>
        new(ClientOutcome.Conflict, Detail: $"The client \"{clientId}\" was changed meanwhile; read it again and retry.");
}
