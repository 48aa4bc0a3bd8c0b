using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.Credentials;

/// <summary>
/// This instance's copy of the signing key ring: the configured certificate plus the generated keys in PostgreSQL.
/// OpenIddict's options are built from it (<see cref="Publish"/>); whenever the plan changes (a key added or removed,
/// an activation, a retired key leaving), it signals OpenIddict's options to be built again, so no restart is needed.
/// </summary>
public sealed class SigningKeyRing(ConfiguredCredentials configured, SigningKeyProtector protector, IServiceScopeFactory scopes,
    IOptions<ServerSettings> server, IOptions<CredentialOptions> options, TimeProvider clock, ILogger<SigningKeyRing> logger)
    : IOptionsChangeTokenSource<OpenIddictServerOptions>, IOptionsChangeTokenSource<OpenIddictValidationOptions>
{
    private readonly Lock _sync = new();
    private IReadOnlyDictionary<string, (RingKey Key, SigningCredentials Credentials)> _keys =
        new Dictionary<string, (RingKey, SigningCredentials)>();
    private CancellationTokenSource _changed = new();
    private string? _published;

    public string Name => Options.DefaultName;

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The key <see cref="Publish"/> last named as the signing one.</summary>
    public string? PublishedSigningKeyId { get; private set; }

    public string ConfiguredAlgorithm => configured.Signing.Algorithm;

    /// <summary>How long a retired key stays published: the longest token lifetime, plus the configured grace.</summary>
    public TimeSpan Retention
    {
        get
        {
            var lifetimes = server.Value;
            return new[] { lifetimes.AccessTokenLifetime, lifetimes.IdentityTokenLifetime, lifetimes.AuthorizationCodeLifetime,
                lifetimes.RefreshTokenLifetime }.Max() + options.Value.KeyRetirementGrace;
        }
    }

    public SigningKeyPlan Plan() => SigningKeyPlan.Compute(configured.Signing.Key.KeyId, _keys.Values.Select(entry => entry.Key),
        clock.GetUtcNow(), Retention);

    /// <summary>The credentials OpenIddict's server gets now: every published key, the signing one first.</summary>
    public IReadOnlyList<SigningCredentials> Publish()
    {
        lock (_sync)
        {
            var plan = Plan();
            _published = plan.Signature;
            PublishedSigningKeyId = plan.SigningKeyId;
            return CredentialsOf(plan);
        }
    }

    /// <summary>The keys tokens are verified with now, for this server's own APIs (OpenIddict validation).</summary>
    public IEnumerable<SecurityKey> VerificationKeys() => CredentialsOf(Plan()).Select(credentials => credentials.Key);

    private List<SigningCredentials> CredentialsOf(SigningKeyPlan plan) =>
        [.. plan.PublishedKeyIds.Select(id => _keys.TryGetValue(id, out var entry) ? entry.Credentials : configured.Signing)];

    /// <summary>Reads the ring from the database; keys already opened are not opened again.</summary>
    /// <returns>The plan now in effect.</returns>
    public async Task<SigningKeyPlan> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SigningKeys.AsNoTracking()
            .ToListAsync(cancellationToken);
        var known = _keys;
        var keys = new Dictionary<string, (RingKey, SigningCredentials)>();
        foreach (var key in stored)
        {
            if (known.TryGetValue(key.Id, out var opened))
            {
                keys[key.Id] = opened with { Key = new RingKey(key.Id, key.ActivatesAt) };
                continue;
            }

            try
            {
                keys[key.Id] = (new RingKey(key.Id, key.ActivatesAt), protector.Open(key));
            }
            catch (CryptographicException exception)
            {
                // Left out rather than fail the instance: the others still sign and verify.
                logger.LogError(exception, "Signing key {KeyId} cannot be opened with the configured encryption certificate; it is left out.", key.Id);
            }
        }

        _keys = keys;
        return Reconsider();
    }

    /// <summary>Signals OpenIddict's options to be built again if the plan differs from what they hold.</summary>
    /// <returns>The plan now in effect.</returns>
    public SigningKeyPlan Reconsider()
    {
        CancellationTokenSource? changed = null;
        SigningKeyPlan plan;
        lock (_sync)
        {
            plan = Plan();
            if (plan.Signature != _published)
            {
                changed = _changed;
                _changed = new CancellationTokenSource();
                _published = plan.Signature;
            }
        }

        if (changed is not null)
        {
            logger.LogInformation("Signing keys now: {SigningKeyId} signs; published: {PublishedKeyIds}.",
                plan.SigningKeyId, string.Join(", ", plan.PublishedKeyIds));
            changed.Cancel();
            changed.Dispose();
        }

        return plan;
    }

    public IChangeToken GetChangeToken()
    {
        lock (_sync)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }
}
