using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>An admin's request for an initial access token (POST /admin/initial-access-tokens, the CLI).</summary>
public sealed class InitialAccessTokenRequest
{
    [JsonPropertyName("description")]
    public string? Description { get; set; }

    [JsonPropertyName("grant_types")]
    public List<string>? GrantTypes { get; set; }

    /// <summary>Space-separated, as in RFC 7591.</summary>
    [JsonPropertyName("scope")]
    public string? Scopes { get; set; }

    [JsonPropertyName("redirect_uri_prefixes")]
    public List<string>? RedirectUriPrefixes { get; set; }

    /// <summary>Seconds from now.</summary>
    [JsonPropertyName("expires_in")]
    public long? ExpiresIn { get; set; }

    /// <summary>How many registrations it allows; 1 (the default) for a single-use token.</summary>
    [JsonPropertyName("max_uses")]
    public int? MaxUses { get; set; }
}

/// <summary>An initial access token as the API and CLI show it: never the token, except once in <see cref="Token"/>.</summary>
public sealed record InitialAccessTokenView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("grant_types")] IReadOnlyList<string> GrantTypes,
    [property: JsonPropertyName("scope")] string Scopes,
    [property: JsonPropertyName("redirect_uri_prefixes")] IReadOnlyList<string> RedirectUriPrefixes,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("max_uses")] int MaxUses,
    [property: JsonPropertyName("uses")] int Uses,
    [property: JsonPropertyName("revoked_at")] DateTimeOffset? RevokedAt)
{
    /// <summary>Only in the answer that created it: it is stored as its SHA-256 and cannot be shown again.</summary>
    [JsonPropertyName("initial_access_token"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Token { get; init; }

    public static InitialAccessTokenView Of(InitialAccessToken token) => new(token.Id, token.Description, token.GrantTypes,
        string.Join(' ', token.Scopes), token.RedirectUriPrefixes, token.CreatedAt, token.ExpiresAt, token.MaxUses, token.Uses, token.RevokedAt);
}

/// <summary>
/// Issues, lists and revokes initial access tokens (for the admin API and the CLI alike), and spends them at
/// /connect/register: a use is counted by one conditional UPDATE, so of two registrations racing for a token's last
/// use exactly one gets it.
/// </summary>
public sealed class InitialAccessTokens(ApplicationDbContext db, ClientRulesSource rules, TimeProvider clock, RegistrationEvents events)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(90);
    public const int MaxUsesLimit = 10_000;

    // The grants a registered client can be given (ClientDescriptors refuses password to all but the first-party app).
    private static readonly string[] RegistrableGrants = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials];

    /// <returns>The new token (its secret in <see cref="InitialAccessTokenView.Token"/>), or the errors by JSON field.</returns>
    public async Task<(InitialAccessTokenView? Token, Dictionary<string, string[]>? Errors)> CreateAsync(InitialAccessTokenRequest request,
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var grants = (request.GrantTypes ?? []).Distinct(StringComparer.Ordinal).ToList();
        var scopes = (request.Scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        var prefixes = (request.RedirectUriPrefixes ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (grants.Count == 0 || grants.Any(grant => !RegistrableGrants.Contains(grant)))
        {
            errors["grant_types"] = [$"required: one or more of {string.Join(" ", RegistrableGrants)}."];
        }

        var known = await rules.ForRegistryAsync(cancellationToken);
        if (scopes.Where(scope => known.KnownScopes?.Contains(scope) == false || known.ReservedScopes?.Contains(scope) == true).ToList() is [_, ..] refused)
        {
            errors["scope"] = [$"{string.Join(", ", refused.Select(scope => $"\"{scope}\""))}: unknown, or only for first-party clients in configuration."];
        }

        if (prefixes.Select(RegistrationPolicy.PrefixProblem).OfType<string>().ToArray() is [_, ..] badPrefixes)
        {
            errors["redirect_uri_prefixes"] = badPrefixes;
        }
        else if (prefixes.Count == 0 && grants.Contains(GrantTypes.AuthorizationCode))
        {
            errors["redirect_uri_prefixes"] = ["the authorization_code grant needs at least one prefix its clients' redirect URIs lie under."];
        }

        if (request.ExpiresIn is not { } seconds || seconds < 60 || seconds > MaxLifetime.TotalSeconds)
        {
            errors["expires_in"] = [$"required: seconds from now, 60 to {MaxLifetime.TotalSeconds:0} ({MaxLifetime.TotalDays:0} days)."];
        }

        if (request.MaxUses is < 1 or > MaxUsesLimit)
        {
            errors["max_uses"] = [$"1 (single use, the default) to {MaxUsesLimit}."];
        }

        if ((request.Description ?? "").Length > InitialAccessToken.DescriptionMaxLength)
        {
            errors["description"] = [$"at most {InitialAccessToken.DescriptionMaxLength} characters."];
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var secret = RegistrationSecrets.NewToken();
        var now = clock.GetUtcNow();
        var token = new InitialAccessToken
        {
            Id = RegistrationSecrets.NewId(),
            TokenHash = RegistrationSecrets.Hash(secret),
            Description = request.Description?.Trim() ?? "",
            GrantTypes = grants,
            Scopes = scopes,
            RedirectUriPrefixes = prefixes,
            CreatedAt = now,
            ExpiresAt = now.AddSeconds(request.ExpiresIn!.Value),
            MaxUses = request.MaxUses ?? 1,
        };
        db.InitialAccessTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        events.InitialAccessTokenIssued(token.Id, token.MaxUses, token.ExpiresAt);
        return (InitialAccessTokenView.Of(token) with { Token = secret }, null);
    }

    public async Task<IReadOnlyList<InitialAccessTokenView>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await db.InitialAccessTokens.AsNoTracking().OrderBy(token => token.CreatedAt).ToListAsync(cancellationToken))
            .Select(InitialAccessTokenView.Of)];

    /// <returns>False when there is no such token. Revoking twice keeps the first date.</returns>
    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        if (await db.InitialAccessTokens.Where(token => token.Id == id && token.RevokedAt == null)
                .ExecuteUpdateAsync(token => token.SetProperty(t => t.RevokedAt, now), cancellationToken) == 1)
        {
            events.InitialAccessTokenRevoked(id);
        }

        return await db.InitialAccessTokens.AnyAsync(token => token.Id == id, cancellationToken);
    }

    /// <returns>The token presented, while it is usable (not revoked, not expired, uses left); otherwise null.</returns>
    public async Task<InitialAccessToken?> FindUsableAsync(string presented, CancellationToken cancellationToken = default)
    {
        var hash = RegistrationSecrets.Hash(presented);
        var now = clock.GetUtcNow();
        return await db.InitialAccessTokens.AsNoTracking().SingleOrDefaultAsync(token => token.TokenHash == hash
            && token.RevokedAt == null && token.ExpiresAt > now && token.Uses < token.MaxUses, cancellationToken);
    }

    /// <summary>Counts one use, if one is left (in the caller's transaction: rolled back with a failed registration).</summary>
    public async Task<bool> TryUseAsync(string id, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        // PostgreSQL re-checks the condition on the row a concurrent UPDATE just changed (READ COMMITTED): one wins.
        return await db.InitialAccessTokens
            .Where(token => token.Id == id && token.RevokedAt == null && token.ExpiresAt > now && token.Uses < token.MaxUses)
            .ExecuteUpdateAsync(token => token.SetProperty(t => t.Uses, t => t.Uses + 1), cancellationToken) == 1;
    }
}
