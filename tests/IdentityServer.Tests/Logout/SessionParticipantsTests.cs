using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Logout;

/// <summary>The clients a session lists are the ones its back-channel logout tells: none may be lost to a race.</summary>
public sealed class SessionParticipantsTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task ClientsRecordedAtOnce_WhileTheCookieTouchesIt_EveryOneListedWhenTheSessionEnds()
    {
        var store = server.Services.GetRequiredService<SessionStore>();
        var userId = Guid.NewGuid().ToString();
        var sid = SessionClaims.NewSessionId();
        await store.CreateAsync(userId, sid, "127.0.0.1", "test");
        var clients = Enumerable.Range(0, 24).Select(i => $"client-{i}").ToList();

        // Each request reads the record, adds its client and writes it back: without a check of what it read, the
        // last writer would drop the others' clients.
        var recorded = await Task.WhenAll(clients.Select(client => store.RecordIssuanceAsync(userId, sid, client, authorizationId: null))
            .Concat(Enumerable.Range(0, 8).Select(_ => store.UseIfAliveAsync(userId, sid))));

        Assert.All(recorded, Assert.True);
        var ended = await store.EndAsync(userId, sid);
        Assert.Equal(clients.Order(), ended!.Clients.Order());
        Assert.Null(await store.EndAsync(userId, sid));
        Assert.False(await store.RecordIssuanceAsync(userId, sid, "late-client", authorizationId: null));
    }
}
