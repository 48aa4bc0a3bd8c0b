using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Data;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Credentials;

/// <summary>
/// `IdentityServer keys list | rotate [--now] | remove KID`: the signing key ring, against the configured database.
/// `rotate` adds a key that signs after <see cref="CredentialOptions.KeyPropagationTime"/> (at once with --now, which
/// also withdraws a key still waiting), which retires the current one, and deletes keys retired past their retention; every running instance hears of it through
/// Redis. Exit code 0 when done, 1 when refused or failed, 2 for a bad command line.
/// </summary>
public static class KeysCommand
{
    public const string Name = "keys";

    public const string Usage = """
        usage: IdentityServer keys list
               IdentityServer keys rotate [--now]
               IdentityServer keys remove KID
        """;

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        var command = args switch
        {
            ["list"] => "list",
            ["rotate"] => "rotate",
            ["rotate", "--now"] => "rotate-now",
            ["remove", { Length: > 0 }] => "remove",
            _ => null,
        };
        if (command is null)
        {
            await errors.WriteLineAsync($"error: unknown arguments: {string.Join(' ', args)}");
            await errors.WriteLineAsync(Usage);
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var ring = scope.ServiceProvider.GetRequiredService<SigningKeyRing>();
        try
        {
            return command switch
            {
                "list" => await ListAsync(ring, db, output),
                "remove" => await RemoveAsync(scope.ServiceProvider, db, args[1], output, errors),
                _ => await RotateAsync(scope.ServiceProvider, db, immediately: command == "rotate-now", output, errors),
            };
        }
        catch (Exception exception) when (exception is DbException or RedisException or TimeoutException)
        {
            await errors.WriteLineAsync($"error: The database or Redis cannot be used: {exception.Message}");
            return 1;
        }
    }

    private static async Task<int> ListAsync(SigningKeyRing ring, ApplicationDbContext db, TextWriter output)
    {
        var plan = await ring.RefreshAsync();
        var stored = await db.SigningKeys.AsNoTracking().ToDictionaryAsync(key => key.Id);
        var now = ring.Now;
        await output.WriteLineAsync("kid\talgorithm\tactivates\tstate");
        foreach (var id in plan.PublishedKeyIds.Concat(plan.ExpiredKeyIds).Distinct())
        {
            var (algorithm, activates) = stored.TryGetValue(id, out var key)
                ? (key.Algorithm, key.ActivatesAt.ToString("u", CultureInfo.InvariantCulture))
                : (ring.ConfiguredAlgorithm, "(configured certificate)");
            var state = id == plan.SigningKeyId ? "signing"
                : plan.ExpiredKeyIds.Contains(id) ? "expired (published no more; removed at the next rotate)"
                : key is not null && key.ActivatesAt > now ? "pending (published, signs from its activation)"
                : "retired (published while tokens it signed may be valid)";
            await output.WriteLineAsync($"{id}\t{algorithm}\t{activates}\t{state}");
        }

        return 0;
    }

    private static async Task<int> RotateAsync(IServiceProvider services, ApplicationDbContext db, bool immediately,
        TextWriter output, TextWriter errors)
    {
        var ring = services.GetRequiredService<SigningKeyRing>();
        var settings = services.GetRequiredService<IOptions<CredentialOptions>>().Value;
        // One rotation at a time across every shell and scheduler: the pending-key check and the insert go together.
        await using var transaction = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(7216447218375119951)");
        var now = ring.Now;
        if (!immediately && await db.SigningKeys.AnyAsync(key => key.ActivatesAt > now))
        {
            var pending = await db.SigningKeys.Where(key => key.ActivatesAt > now).MinAsync(key => key.ActivatesAt);
            await errors.WriteLineAsync($"error: A key is already waiting to sign from {pending:u}; rotate --now activates a new one at once.");
            return 1;
        }

        if (immediately)
        {
            // A pending key would activate after this one and take over from it; it never signed, so it can go.
            var withdrawn = await db.SigningKeys.Where(key => key.ActivatesAt > now).ExecuteDeleteAsync();
            if (withdrawn > 0)
            {
                await output.WriteLineAsync($"Withdrew {withdrawn} key(s) that had not signed yet.");
            }
        }

        var key = services.GetRequiredService<SigningKeyProtector>()
            .Create(settings.SigningAlgorithm, now, immediately ? now : now + settings.KeyPropagationTime);
        db.SigningKeys.Add(key);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();

        var expired = (await ring.RefreshAsync()).ExpiredKeyIds;
        var removed = await db.SigningKeys.Where(stored => expired.Contains(stored.Id)).ExecuteDeleteAsync();

        await output.WriteLineAsync($"Added signing key {key.Id} ({key.Algorithm}); it signs from {key.ActivatesAt:u}, the current key retires then.");
        if (removed > 0)
        {
            await output.WriteLineAsync($"Deleted {removed} key(s) retired past their retention.");
        }

        await AnnounceAsync(services, errors);
        return 0;
    }

    private static async Task<int> RemoveAsync(IServiceProvider services, ApplicationDbContext db, string id, TextWriter output, TextWriter errors)
    {
        if (await db.SigningKeys.Where(key => key.Id == id).ExecuteDeleteAsync() == 0)
        {
            await errors.WriteLineAsync($"error: There is no generated signing key \"{id}\" (the configured certificate is removed from configuration).");
            return 1;
        }

        var plan = await services.GetRequiredService<SigningKeyRing>().RefreshAsync();
        await output.WriteLineAsync($"Removed signing key {id}: tokens it signed are rejected once each resource server reloads the JWKS. {plan.SigningKeyId} signs now.");
        await AnnounceAsync(services, errors);
        return 0;
    }

    // Every instance reads the ring again at once, instead of at its next periodic read. The change is already saved:
    // without Redis the instances still find it within Credentials:KeyRefreshInterval.
    private static async Task AnnounceAsync(IServiceProvider services, TextWriter errors)
    {
        try
        {
            await services.GetRequiredService<IConnectionMultiplexer>().GetSubscriber()
                .PublishAsync(services.GetRequiredService<RedisKeys>().SigningKeysChannel, "changed");
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            var interval = services.GetRequiredService<IOptions<CredentialOptions>>().Value.KeyRefreshInterval;
            await errors.WriteLineAsync($"warning: Redis could not be told ({exception.Message}); running instances read the change within {interval}.");
        }
    }
}
