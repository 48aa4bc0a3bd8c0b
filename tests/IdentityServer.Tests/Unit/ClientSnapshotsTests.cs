using OpenIddict.EntityFrameworkCore.Models;
using RedisJwt.IdentityServer.Clients;

namespace RedisJwt.IdentityServer.Tests.Unit;

/// <summary>A remembered client is handed out as a private copy of every column: no caller can change another's.</summary>
public sealed class ClientSnapshotsTests
{
    [Fact]
    public void TryGet_EveryColumnCopied_AndEachCallersCopyItsOwn()
    {
        var snapshots = new ClientSnapshots(TimeProvider.System) { Listening = true };
        var client = new OpenIddictEntityFrameworkCoreApplication();
        foreach (var column in ClientSnapshots.Columns)
        {
            // A distinct value per column, so a column copied into another (or left out) shows.
            column.SetValue(client, column.PropertyType == typeof(string) ? $"{column.Name}-value" : null);
        }

        client.ClientId = "snapshot-client";
        snapshots.Remember(client, snapshots.Changes);

        Assert.True(snapshots.TryGet("snapshot-client", out var first));
        Assert.NotSame(client, first);
        Assert.All(ClientSnapshots.Columns, column => Assert.Equal(column.GetValue(client), column.GetValue(first)));
        first.DisplayName = "changed by one caller";
        Assert.True(snapshots.TryGet("snapshot-client", out var second));
        Assert.Equal("DisplayName-value", second.DisplayName);
        Assert.Empty(second.Authorizations);
    }
}
