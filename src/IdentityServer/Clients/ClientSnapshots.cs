using System.Collections.Concurrent;
using System.Reflection;
using OpenIddict.EntityFrameworkCore.Models;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// This instance's copies of clients as the OAuth endpoints read them, so that authenticating a client is not a
/// database query on every token and introspection request (that query, with its DbContext, was the largest cost of
/// both). Kept current by the client-changes channel (<see cref="ClientChangesListener"/>): every change made through
/// OpenIddict's manager, at any instance, is published and forgotten everywhere at once. Used only while that
/// channel is live, and each copy for at most <see cref="Lifetime"/>, for a change made while Redis was unreachable
/// or straight in the database.
/// </summary>
public sealed class ClientSnapshots(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    // Scalar columns only: the navigation collections (tokens, authorizations) belong to a DbContext.
    internal static readonly PropertyInfo[] Columns = [.. typeof(OpenIddictEntityFrameworkCoreApplication).GetProperties()
        .Where(property => property is { CanRead: true, CanWrite: true }
            && (property.PropertyType == typeof(string) || property.PropertyType.IsValueType))];

    private readonly ConcurrentDictionary<string, (OpenIddictEntityFrameworkCoreApplication Client, long LoadedAt)> _known =
        new(StringComparer.Ordinal);

    private long _changes;
    private volatile bool _listening;

    /// <summary>Whether changes are being heard; without that, every read goes to the database.</summary>
    public bool Listening
    {
        get => _listening;
        set
        {
            _listening = value;
            ForgetAll();
        }
    }

    /// <summary>A number that moves on every change heard: a copy loaded across a change is not kept.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>A private copy of the known client (no caller can change another's), or false.</summary>
    public bool TryGet(string clientId, out OpenIddictEntityFrameworkCoreApplication client)
    {
        if (_listening && _known.TryGetValue(clientId, out var known) && clock.GetElapsedTime(known.LoadedAt) < Lifetime)
        {
            client = Copy(known.Client);
            return true;
        }

        client = null!;
        return false;
    }

    /// <summary>Keeps a copy of <paramref name="client"/>, read from the database after <paramref name="changesBefore"/>.</summary>
    public void Remember(OpenIddictEntityFrameworkCoreApplication client, long changesBefore)
    {
        if (_listening && client.ClientId is { } clientId && Changes == changesBefore)
        {
            _known[clientId] = (Copy(client), clock.GetTimestamp());
        }
    }

    public void Forget(string clientId)
    {
        Interlocked.Increment(ref _changes);
        _known.TryRemove(clientId, out _);
    }

    public void ForgetAll()
    {
        Interlocked.Increment(ref _changes);
        _known.Clear();
    }

    private static OpenIddictEntityFrameworkCoreApplication Copy(OpenIddictEntityFrameworkCoreApplication client)
    {
        var copy = new OpenIddictEntityFrameworkCoreApplication();
        foreach (var column in Columns)
        {
            column.SetValue(copy, column.GetValue(client));
        }

        return copy;
    }
}
