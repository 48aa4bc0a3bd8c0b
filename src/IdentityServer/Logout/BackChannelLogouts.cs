using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Logout;

/// <summary>What a queued back-channel logout says: whose session ended.</summary>
public sealed record LogoutNotice([property: JsonPropertyName("sub")] string Subject, [property: JsonPropertyName("sid")] string SessionId);

/// <summary>
/// Queues a back-channel logout (OIDC Back-Channel Logout 1.0) for every client that took part in an ended session and
/// registered a back-channel logout URI: one entry per client and session on the back-channel-logout topic's stream,
/// which the message consumers of every instance deliver (<see cref="BackChannelLogoutSender"/>), with retries, dead
/// letters and claims of a crashed instance's entries. Queuing is one XADD per client, so a logout never waits on a client.
/// </summary>
public sealed class BackChannelLogouts(IConnectionMultiplexer redis, RedisKeys keys, IOpenIddictApplicationManager applications,
    MessageSealing sealing, QueuedMessages queued, IOptions<MessagingSettings> messaging, ILogger<BackChannelLogouts> logger)
{
    public const string Topic = "backchannel-logout";
    public const string Channel = "backchannel-logout";
    public const string Kind = "backchannel-logout";

    /// <summary>Each client of each ended session is told, once per session.</summary>
    public async Task SessionsEndedAsync(string userId, IEnumerable<SessionRecord> ended)
    {
        var sessions = ended.ToList();
        // One after the other: the application manager's DbContext takes one query at a time.
        var listening = new HashSet<string>(StringComparer.Ordinal);
        foreach (var clientId in sessions.SelectMany(session => session.Clients).Distinct(StringComparer.Ordinal))
        {
            if (await HasBackChannelAsync(clientId))
            {
                listening.Add(clientId);
            }
        }

        // Queued together (StackExchange.Redis pipelines them): logging out of many sessions is one round trip.
        var notices = sessions.SelectMany(session => session.Clients.Where(listening.Contains).Distinct(StringComparer.Ordinal)
            .Select(clientId => QueueAsync(clientId, new LogoutNotice(userId, session.Sid)))).ToList();
        await Task.WhenAll(notices);
        if (notices.Count > 0)
        {
            await queued.AnnounceAsync(Topic);
        }
    }

    /// <summary>One client's part of a session ended without the session (its token family revoked, its access withdrawn).</summary>
    public async Task ClientSessionEndedAsync(string clientId, string userId, string sid)
    {
        if (await HasBackChannelAsync(clientId))
        {
            await QueueAsync(clientId, new LogoutNotice(userId, sid));
            await queued.AnnounceAsync(Topic);
        }
    }

    // The session is already gone when this runs: if the client cannot be looked up (PostgreSQL down), it is queued
    // anyway rather than forgotten, and the sender, which looks again, drops it if it has no back-channel URI.
    private async Task<bool> HasBackChannelAsync(string clientId)
    {
        try
        {
            return await ClientProperties.UriAsync(applications, clientId, ClientProperties.BackChannelLogoutUri) is not null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Client {ClientId} could not be looked up; its back-channel logout is queued all the same.", clientId);
            return true;
        }
    }

    private async Task QueueAsync(string clientId, LogoutNotice notice)
    {
        var entry = new MessageEntry(Guid.CreateVersion7().ToString("N"), Kind, Channel, clientId, Subject: "",
            JsonSerializer.Serialize(notice), Attempt: 1);
        entry = entry with { Text = sealing.Seal(entry) };
        await redis.GetDatabase().StreamAddAsync(keys.MessageStream(Topic), entry.ToFields(),
            maxLength: messaging.Value.StreamMaxLength, useApproximateMaxLength: true);
        logger.LogDebug("Back-channel logout {NotificationId} for client {ClientId} (session {SessionId}) queued.",
            entry.Id, clientId, notice.SessionId);
    }
}
