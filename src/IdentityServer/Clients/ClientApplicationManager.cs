using System.ComponentModel.DataAnnotations;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// OpenIddict's application manager with two savings on the OAuth endpoints' hot path, and what keeps them safe:
/// <list type="bullet">
/// <item>The token, introspection and revocation endpoints read clients from <see cref="ClientSnapshots"/>
/// (administration, seeding and pages read and write the database as before).</item>
/// <item>A secret check is remembered per presented secret (<see cref="ClientSecretVerdicts"/>). Public clients,
/// clients without a secret and every refusal go through OpenIddict's own check.</item>
/// <item>Every write is published on the client-changes channel, so each instance forgets its snapshot at once (what
/// keeps the first saving safe; the second keys on the stored hash, which a changed secret changes).</item>
/// </list>
/// </summary>
public sealed class ClientApplicationManager(
    IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication> cache,
    ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store,
    ClientSecretVerdicts verdicts,
    ClientSnapshots snapshots,
    IHttpContextAccessor http,
    IConnectionMultiplexer redis,
    RedisKeys keys)
    : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>(cache, logger, options, store)
{
    // This request's copies: OpenIddict looks the client up five or six times per request, one copy serves them all.
    private readonly Dictionary<string, OpenIddictEntityFrameworkCoreApplication> _copies = new(StringComparer.Ordinal);

    public override async ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByClientIdAsync(string identifier,
        CancellationToken cancellationToken = default)
    {
        // Only the endpoints that authenticate clients on every request; a bearer-authenticated page or API of this
        // server (local validation) has a server transaction too, but may change clients.
        if (http.HttpContext?.Features.Get<OpenIddictServerAspNetCoreFeature>()?.Transaction?.EndpointType is not
            (OpenIddictServerEndpointType.Token or OpenIddictServerEndpointType.Introspection or OpenIddictServerEndpointType.Revocation))
        {
            return await base.FindByClientIdAsync(identifier, cancellationToken);
        }

        if (_copies.TryGetValue(identifier, out var copy) || snapshots.TryGet(identifier, out copy))
        {
            return _copies[identifier] = copy;
        }

        var changesBefore = snapshots.Changes;
        var client = await base.FindByClientIdAsync(identifier, cancellationToken);
        if (client is not null)
        {
            snapshots.Remember(client, changesBefore);
            _copies[identifier] = client;
        }

        return client;
    }

    public override async ValueTask<bool> ValidateClientSecretAsync(OpenIddictEntityFrameworkCoreApplication application,
        string secret, CancellationToken cancellationToken = default)
    {
        var storedHash = await Store.GetClientSecretAsync(application, cancellationToken);
        var clientId = await Store.GetClientIdAsync(application, cancellationToken);
        if (string.IsNullOrEmpty(storedHash) || clientId is null || string.IsNullOrEmpty(secret)
            || await HasClientTypeAsync(application, ClientTypes.Public, cancellationToken))
        {
            return await base.ValidateClientSecretAsync(application, secret, cancellationToken);
        }

        var verdict = verdicts.KeyOf(clientId, storedHash, secret);
        if (verdicts.Matched(verdict))
        {
            return true;
        }

        if (!await base.ValidateClientSecretAsync(application, secret, cancellationToken))
        {
            return false;
        }

        verdicts.RememberMatch(verdict);
        return true;
    }

    // A private_key_jwt client with a jwks_uri holds neither a secret nor keys here, which OpenIddict would take for a
    // confidential client without credentials: its keys are fetched when needed (ClientAssertions.ClientJwksCache).
    public override async IAsyncEnumerable<ValidationResult> ValidateAsync(OpenIddictEntityFrameworkCoreApplication application,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var keysAtUri = await ClientProperties.JwksUriAsync(this, application, cancellationToken) is not null;
        await foreach (var result in base.ValidateAsync(application, cancellationToken))
        {
            if (!keysAtUri || result.ErrorMessage != OpenIddictResources.GetResourceString(OpenIddictResources.ID2113))
            {
                yield return result;
            }
        }
    }

    public override async ValueTask CreateAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken = default)
    {
        await base.CreateAsync(application, cancellationToken);
        await PublishChangeAsync(application);
    }

    public override async ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken = default)
    {
        await base.UpdateAsync(application, cancellationToken);
        await PublishChangeAsync(application);
    }

    public override async ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken = default)
    {
        await base.DeleteAsync(application, cancellationToken);
        await PublishChangeAsync(application);
    }

    private async Task PublishChangeAsync(OpenIddictEntityFrameworkCoreApplication application)
    {
        if (application.ClientId is not { } clientId)
        {
            return;
        }

        snapshots.Forget(clientId);
        try
        {
            await redis.GetSubscriber().PublishAsync(keys.ClientChangesChannel, clientId);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // The change is made; other instances see it when their snapshot ends (ClientSnapshots.Lifetime).
            Logger.LogWarning(exception, "Client {ClientId} changed, but Redis could not tell the other instances; they see it within {Lifetime}.",
                clientId, ClientSnapshots.Lifetime);
        }
    }
}
