using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.DynamicRegistration;

public enum RegistrationOutcome
{
    Done,
    /// <summary>No, a bad or a spent token: 401 invalid_token (RFC 6750 3.1).</summary>
    Unauthorized,
    /// <summary>invalid_client_metadata or invalid_redirect_uri (RFC 7591 3.2.2).</summary>
    Invalid,
    /// <summary>Changed meanwhile, or Redis could not revoke a removed client's tokens: nothing was done.</summary>
    Unavailable,
}

public sealed record RegistrationResult(RegistrationOutcome Outcome, ClientInformation? Client = null, string? Error = null,
    string? Description = null);

/// <summary>
/// Registration (RFC 7591) and its management (RFC 7592): metadata mapped once (<see cref="ClientMetadataMapping"/>),
/// held to the registration's <see cref="RegistrationPolicy"/>, then created, changed or removed by
/// <see cref="ClientRegistry"/> under every rule of <see cref="ClientDescriptors"/>.
/// </summary>
public sealed class DynamicRegistrations(ApplicationDbContext db, ClientRegistry registry, InitialAccessTokens initialTokens,
    IOpenIddictApplicationManager applications, IOptions<DynamicRegistrationSettings> settings, IOptions<ServerSettings> server,
    TimeProvider clock, RegistrationEvents events)
{
    public const string RegisterPath = "connect/register";

    public Uri RegistrationClientUri(string clientId) => new(server.Value.Issuer!, $"{RegisterPath}/{Uri.EscapeDataString(clientId)}");

    /// <param name="initialAccessToken">The bearer token presented, or null when none was.</param>
    /// <param name="metadata">Null when the body could not be read: refused, once the token is known good.</param>
    public async Task<RegistrationResult> RegisterAsync(string? initialAccessToken, ClientMetadata? metadata, CancellationToken cancellationToken)
    {
        InitialAccessToken? token = null;
        if (initialAccessToken is null ? !settings.Value.AllowOpenRegistration
            : (token = await initialTokens.FindUsableAsync(initialAccessToken, cancellationToken)) is null)
        {
            events.RegistrationRefused(initialAccessToken is null ? "no initial access token" : "unusable initial access token");
            return Unauthorized(initialAccessToken is null ? "An initial access token is required (Authorization: Bearer)."
                : "The initial access token is unknown, expired, revoked or used up.");
        }

        if (metadata is null)
        {
            return Invalid("invalid_client_metadata", BadBody);
        }

        var policy = token?.Policy ?? RegistrationPolicy.Open;
        var clientId = NewClientId();
        var (registration, refusal) = Map(clientId, metadata, policy);
        if (registration is null)
        {
            return refusal!;
        }

        // The use is counted in the same transaction as the client's creation: a refused registration spends nothing.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (token is not null && !await initialTokens.TryUseAsync(token.Id, cancellationToken))
        {
            events.RegistrationRefused("initial access token used up meanwhile");
            return Unauthorized("The initial access token is unknown, expired, revoked or used up.");
        }

        var created = await registry.CreateAsync(registration, cancellationToken);
        if (created.Outcome != ClientOutcome.Done)
        {
            return Refused(created);
        }

        var registrationToken = RegistrationSecrets.NewToken();
        var record = new DynamicClient
        {
            ApplicationId = await applications.GetIdAsync((await applications.FindByClientIdAsync(clientId, cancellationToken))!, cancellationToken) ?? "",
            ClientId = clientId,
            RegistrationTokenHash = RegistrationSecrets.Hash(registrationToken),
            IssuedAt = clock.GetUtcNow(),
            InitialAccessTokenId = token?.Id,
            GrantTypes = [.. policy.GrantTypes],
            Scopes = [.. policy.Scopes],
            RedirectUriPrefixes = policy.RedirectUriPrefixes?.ToList(),
        };
        db.DynamicClients.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        events.Registered(clientId, token?.Id ?? "open registration");
        return new RegistrationResult(RegistrationOutcome.Done, Information(created.Client!, record) with
        {
            ClientSecret = created.Client!.ClientSecret,
            RegistrationAccessToken = registrationToken,
        });
    }

    public async Task<RegistrationResult> ReadAsync(string clientId, string? registrationToken, CancellationToken cancellationToken) =>
        await AuthenticateAsync(clientId, registrationToken, cancellationToken) is { } record
        && await registry.GetAsync(clientId, cancellationToken) is { } client
            ? new RegistrationResult(RegistrationOutcome.Done, Information(client, record))
            : Unauthorized(UnknownRegistration);

    /// <summary>RFC 7592 2.2: a full replacement; the registration access token is replaced and returned.</summary>
    /// <param name="metadata">Null when the body could not be read: refused, once the token is known good.</param>
    public async Task<RegistrationResult> UpdateAsync(string clientId, string? registrationToken, ClientMetadata? metadata,
        CancellationToken cancellationToken)
    {
        if (await AuthenticateAsync(clientId, registrationToken, cancellationToken) is not { } record)
        {
            return Unauthorized(UnknownRegistration);
        }

        if (metadata is null)
        {
            return Invalid("invalid_client_metadata", BadBody);
        }

        if (metadata.ClientId != clientId)
        {
            return Invalid("invalid_client_metadata", "client_id: required, and the client's own (RFC 7592 2.2).");
        }

        var (registration, refusal) = Map(clientId, metadata, record.Policy);
        if (registration is null)
        {
            return refusal!;
        }

        // What only the operator decides (admin API) stays as the operator left it: a partner's replacement of its own
        // metadata neither sets nor clears it.
        if (await registry.GetAsync(clientId, cancellationToken) is { } current)
        {
            registration.ConsentType = current.ConsentType;
            registration.Introspection = current.Introspection;
            registration.TokenExchangeAudiences = [.. current.TokenExchangeAudiences];
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var updated = await registry.UpdateAsync(clientId, registration, cancellationToken);
        if (updated.Outcome != ClientOutcome.Done)
        {
            return Refused(updated);
        }

        // Only if the token presented is still the current one: of two updates racing with it, one rotates it.
        var rotated = RegistrationSecrets.NewToken();
        if (await db.DynamicClients
                .Where(client => client.ApplicationId == record.ApplicationId && client.RegistrationTokenHash == record.RegistrationTokenHash)
                .ExecuteUpdateAsync(client => client.SetProperty(c => c.RegistrationTokenHash, RegistrationSecrets.Hash(rotated)),
                    cancellationToken) != 1)
        {
            return Unauthorized(UnknownRegistration);
        }

        await transaction.CommitAsync(cancellationToken);
        events.Updated(clientId);
        return new RegistrationResult(RegistrationOutcome.Done, Information(updated.Client!, record) with { RegistrationAccessToken = rotated });
    }

    /// <summary>RFC 7592 2.3: removed, every token it holds revoked (<see cref="ClientRegistry.RemoveAsync"/>).</summary>
    public async Task<RegistrationResult> DeleteAsync(string clientId, string? registrationToken, CancellationToken cancellationToken)
    {
        if (await AuthenticateAsync(clientId, registrationToken, cancellationToken) is null)
        {
            return Unauthorized(UnknownRegistration);
        }

        var removed = await registry.RemoveAsync(clientId, cancellationToken);
        if (removed.Outcome == ClientOutcome.Done)
        {
            events.Deleted(clientId);
        }

        return removed.Outcome == ClientOutcome.Done ? new RegistrationResult(RegistrationOutcome.Done) : Refused(removed);
    }

    private const string BadBody = "The body must be a JSON object of client metadata (RFC 7591 2), in UTF-8, at most 64 KiB.";

    private const string UnknownRegistration = "The registration access token is not valid for this client.";

    /// <summary>
    /// The client's registration, when <paramref name="presented"/> is its registration access token. Seeded clients
    /// and those of the admin API or CLI have none. The hashes are compared in constant time.
    /// </summary>
    private async Task<DynamicClient?> AuthenticateAsync(string clientId, string? presented, CancellationToken cancellationToken)
    {
        if (presented is null || registry.IsManagedByConfiguration(clientId))
        {
            return null;
        }

        var record = await db.DynamicClients.AsNoTracking().SingleOrDefaultAsync(client => client.ClientId == clientId, cancellationToken);
        return record is not null && RegistrationSecrets.Matches(presented, record.RegistrationTokenHash) ? record : null;
    }

    private static (ClientRegistration? Registration, RegistrationResult? Refusal) Map(string clientId, ClientMetadata metadata,
        RegistrationPolicy policy)
    {
        var (registration, field, problem) = ClientMetadataMapping.ToRegistration(clientId, metadata);
        if (registration is null)
        {
            return (null, Invalid("invalid_client_metadata", $"{field}: {problem}"));
        }

        return policy.Check(registration) is { Count: > 0 } outside ? (null, Invalid(outside)) : (registration, null);
    }

    private ClientInformation Information(ClientView client, DynamicClient record) =>
        ClientInformation.Of(client, record, RegistrationClientUri(client.ClientId).AbsoluteUri);

    /// <summary>15 random bytes (120 bits) as 20 base64url characters: never GUID-shaped (ClientDescriptors refuses those), never guessable.</summary>
    private static string NewClientId() => "dyn-" + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(15));

    private static RegistrationResult Refused(ClientResult result) => result.Outcome switch
    {
        ClientOutcome.Invalid => Invalid(result.Errors!),
        ClientOutcome.NotFound or ClientOutcome.ManagedByConfiguration => Unauthorized(UnknownRegistration),
        _ => new RegistrationResult(RegistrationOutcome.Unavailable, Description: result.Detail ?? "Retry shortly."),
    };

    /// <summary>invalid_redirect_uri when a redirect URI is at fault (RFC 7591 3.2.2), else invalid_client_metadata; each field named.</summary>
    private static RegistrationResult Invalid(IReadOnlyDictionary<string, string[]> errors) => Invalid(
        errors.ContainsKey(nameof(ClientRegistration.RedirectUris)) || errors.ContainsKey(nameof(ClientRegistration.PostLogoutRedirectUris))
            ? "invalid_redirect_uri"
            : "invalid_client_metadata",
        string.Join(" ", errors.Select(error => $"{ClientMetadataMapping.FieldOf(error.Key)}: {string.Join(" ", error.Value)}")));

    private static RegistrationResult Invalid(string error, string description) =>
        new(RegistrationOutcome.Invalid, Error: error, Description: description);

    private static RegistrationResult Unauthorized(string description) =>
        new(RegistrationOutcome.Unauthorized, Error: "invalid_token", Description: description);
}
