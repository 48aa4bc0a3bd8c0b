using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.IdentityServer.Tests.Messages;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.RateLimiting;
using RedisJwt.Testing;
using StackExchange.Redis;
using static RedisJwt.IdentityServer.Tests.Cluster.IdentityClusterFixture;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Cluster;

/// <summary>
/// Every IdentityServer path that uses several Redis keys at once, on a Redis Cluster of three masters: each must
/// work, and no hash-slot error may be logged or counted by the nodes (checked after every test).
/// </summary>
public sealed class IdentityServerOnClusterTests(IdentityClusterFixture fixture) : IClassFixture<IdentityClusterFixture>, IAsyncLifetime
{
    private const string Password = "Str0ng!Password";

    private IdentityServerFactory Server => fixture.Server;

    private IdentityServerFactory Other => fixture.Other;

    [Fact]
    public async Task Ready_WhenEveryMasterAnswers() =>
        Assert.Equal(HttpStatusCode.OK, (await Server.CreateApiClient().GetAsync("/health/ready")).StatusCode);

    [Fact]
    public async Task RefreshTokenReplayed_FamilyRevokedInRedisAndTheDatabase()
    {
        var spa = await SignedInSpa.StartAsync(Server);
        var client = spa.Browser.Client;
        var rotated = await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, rotated.Status);

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(client, SpaClientId, spa.RefreshToken)).Error);

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(client, SpaClientId, rotated.Get("refresh_token"))).Error);
        Assert.True(await Server.FamilyRevokedInRedisAsync(rotated.Get("access_token")));
    }

    [Fact]
    public async Task SessionEnded_TheFamiliesRecordedInItRevoked_TheOtherSessionLives()
    {
        var user = await Server.CreateUserAsync(Password);
        var here = await SignedInSpa.StartAsync(Server, email: user.Email!, password: Password);
        var there = await SignedInSpa.StartAsync(Other, email: user.Email!, password: Password);
        var sessions = await here.Browser.Client.GetFromJsonAsync<JsonElement[]>("/account/sessions");
        var thereSid = sessions!.Single(session => !session.GetProperty("current").GetBoolean()).GetProperty("sid").GetString()!;
        // Recorded by the issuance script, with the session it belongs to.
        Assert.Single(await Other.Services.GetRequiredService<SessionStore>().AuthorizationsAsync(user.Id, thereSid));

        Assert.Equal(HttpStatusCode.NoContent, (await here.Browser.Client.DeleteAsync($"/account/sessions/{thereSid}")).StatusCode);

        Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(Other.CreateApiClient(), SpaClientId, there.RefreshToken)).Error);
        Assert.False((await OAuth.IntrospectAsync(Other.CreateApiClient(), there.AccessToken)).Json.GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RefreshAsync(Server.CreateApiClient(), SpaClientId, here.RefreshToken)).Status);
    }

    [Fact]
    public async Task LogOutEverywhere_EverySessionEnded_AtBothInstances()
    {
        var user = await Server.CreateUserAsync(Password);
        var here = await SignedInSpa.StartAsync(Server, email: user.Email!, password: Password);
        var there = await SignedInSpa.StartAsync(Other, email: user.Email!, password: Password);

        Assert.Equal(HttpStatusCode.NoContent, (await here.Browser.Client.DeleteAsync("/account/sessions")).StatusCode);

        foreach (var (session, instance) in new[] { (here, Other), (there, Server) })
        {
            Assert.Equal("invalid_grant", (await OAuth.RefreshAsync(instance.CreateApiClient(), SpaClientId, session.RefreshToken)).Error);
        }

        Assert.Empty(await Other.Services.GetRequiredService<SessionStore>().ListAsync(user.Id));
        var userMark = Server.Services.GetRequiredService<RedisKeys>().Revoked(Revoked.User(user.Id, default, default));
        Assert.True(await Database(Server).KeyExistsAsync(userMark));
    }

    [Fact]
    public async Task RateLimit_CountedOnceForBothInstances()
    {
        var policy = new RateLimitPolicy { PermitLimit = 2, Window = TimeSpan.FromMinutes(1) };
        var partition = Guid.NewGuid().ToString("N");
        async Task<bool> AllowedAsync(IdentityServerFactory instance) =>
            (await instance.Services.GetRequiredService<DistributedRateLimiter>()
                .AcquireAsync(IdentityRateLimits.SignInPerIp, policy, partition)).Allowed; // a policy its Redis user may count

        Assert.True(await AllowedAsync(Server));
        Assert.True(await AllowedAsync(Other));
        Assert.False(await AllowedAsync(Server));
    }

    [Fact]
    public async Task Messages_SentRetriedDeadLetteredAndHeld_AcrossTopics()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        // Each on another topic (by age): with test.sh's three masters, these topics' slots lie on all three.
        var sent = (Recipient: $"sent-{run}@example.test", BirthDate: (DateOnly?)today.AddYears(-25));
        var retried = (Recipient: $"{FailOnce}-{run}@example.test", BirthDate: (DateOnly?)today.AddYears(-35));
        var dead = (Recipient: $"{Refused}-{run}@example.test", BirthDate: (DateOnly?)today.AddYears(-65));
        var held = (Recipient: $"{Slow}-{run}@example.test", BirthDate: (DateOnly?)null);
        var dispatcher = Server.Services.GetRequiredService<IMessageDispatcher>();
        var topics = new List<string>();
        foreach (var (recipient, birthDate) in new[] { sent, retried, dead, held })
        {
            var result = await dispatcher.DispatchAsync(RecordingProvider.Email(recipient, birthDate: birthDate));
            Assert.Equal(DispatchOutcome.Enqueued, result.Outcome);
            topics.Add(result.Topic);
        }

        Assert.Equal(DispatchOutcome.Duplicate, (await dispatcher.DispatchAsync(RecordingProvider.Email(sent.Recipient))).Outcome);

        var keys = Server.Services.GetRequiredService<RedisKeys>();
        await Eventually.TrueAsync(async () =>
            new[] { sent, retried, held }.All(message => fixture.Email.Accepted.Any(accepted => accepted.Recipient == message.Recipient))
            && await Database(Server).StreamLengthAsync(keys.MessageDeadLetters(topics[2])) > 0, TimeSpan.FromSeconds(20));
        Assert.Equal(2, fixture.Email.Accepted.Single(message => message.Recipient == retried.Recipient).Attempt);
        var deadLetter = (await Database(Server).StreamRangeAsync(keys.MessageDeadLetters(topics[2]))).Single();
        Assert.Equal(dead.Recipient, deadLetter["recipient"].ToString());
        Assert.Single(fixture.Email.Attempts, message => message.Recipient == held.Recipient);
        foreach (var topic in topics)
        {
            await Eventually.TrueAsync(async () =>
                (await Database(Server).StreamPendingAsync(keys.MessageStream(topic), TopicConsumer.Group)).PendingMessageCount == 0);
            Assert.Equal(0, await Database(Server).SortedSetLengthAsync(keys.MessageRetries(topic)));
        }
    }

    [Fact]
    public void DataProtection_KeyRingInTheCluster_SharedByBothInstances()
    {
        IDataProtector Protector(IdentityServerFactory instance) =>
            instance.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("cluster-test");

        var payload = Protector(Server).Protect("protected by one instance");

        Assert.Equal("protected by one instance", Protector(Other).Unprotect(payload));
    }

    [Fact]
    public async Task Profile_CachedByOneInstance_ServedToTheOtherFromTheCluster()
    {
        var user = await Server.CreateUserAsync(Password);
        var (accessToken, _) = await AuthApiClient.SignInAsync(Server.CreateApiClient(), user.Email!, Password);
        Assert.Equal("Test User", (await AuthApiClient.MeAsync(Server.CreateApiClient(), accessToken)).Get("displayName"));

        // Changed behind Identity's back (no new cache generation): only a cached copy still says "Test User", and the
        // other instance never had one in memory.
        await Server.WithScopeAsync(services => services.GetRequiredService<ApplicationDbContext>().Database
            .ExecuteSqlAsync($"UPDATE \"AspNetUsers\" SET \"DisplayName\" = 'Changed' WHERE \"Id\" = {user.Id}"));

        Assert.Equal("Test User", (await AuthApiClient.MeAsync(Other.CreateApiClient(), accessToken)).Get("displayName"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.Watch.AssertNoSlotErrorsAsync();

    private static IDatabase Database(IdentityServerFactory instance) => instance.AdminRedis.GetDatabase();
}
