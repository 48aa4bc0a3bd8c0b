using System.Reflection;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Tests.Unit;

/// <summary>
/// Redis Cluster refuses a command, MULTI or script whose keys lie in different hash slots (CROSSSLOT). Every key
/// <see cref="RedisKeys"/> builds is listed here as used alone or as part of a group used together, and each group's
/// keys must share one slot; a new key must be listed before this passes. No cluster needed.
/// </summary>
public sealed class RedisKeySlotsTests : IDisposable
{
    private const string Revocations = "revocations"; // RevocationWriter's MULTI, RevocationView's MGET
    private const string Sessions = "a user's sessions"; // SessionStore's issuance script
    private const string Topic = "a message topic"; // TopicConsumer's retry and dead-letter MULTIs, its promotion script

    private static readonly Dictionary<string, string?> GroupOf = new()
    {
        [nameof(RedisKeys.Revoked)] = Revocations,
        [nameof(RedisKeys.RevocationIndex)] = Revocations,
        [nameof(RedisKeys.Sessions)] = Sessions,
        [nameof(RedisKeys.SessionAuthorizations)] = Sessions,
        [nameof(RedisKeys.MessageStream)] = Topic,
        [nameof(RedisKeys.MessageRetries)] = Topic,
        [nameof(RedisKeys.MessageDeadLetters)] = Topic,
        // One key per command or script.
        [nameof(RedisKeys.DataProtectionKeys)] = null,
        [nameof(RedisKeys.ProfileGeneration)] = null,
        [nameof(RedisKeys.RefreshTokenUse)] = null,
        [nameof(RedisKeys.AuthorizationCodeUse)] = null,
        [nameof(RedisKeys.RefreshFamilyLatest)] = null,
        [nameof(RedisKeys.PostListGeneration)] = null,
        [nameof(RedisKeys.RateLimit)] = null,
        [nameof(RedisKeys.MessageLock)] = null,
        [nameof(RedisKeys.KnownDevices)] = null,
        [nameof(RedisKeys.AuthenticatorCodeUse)] = null,
        [nameof(RedisKeys.DPoPProofUse)] = null,
        [nameof(RedisKeys.DPoPNonce)] = null,
        [nameof(RedisKeys.ClientAssertionUse)] = null,
        [nameof(RedisKeys.DevicePolls)] = null,
    };

    private static readonly RedisKeys Keys = new(Options.Create(new RedisOptions { KeyPrefix = "redisjwt:" }));

    private static readonly string[] TopicNames = [.. new MessagingSettings().AllTopics.Select(topic => topic.Name)];

    // Never connects. In a proxy mode it computes cluster hash slots, as a cluster client does (standalone: always -1).
    private readonly ConnectionMultiplexer _slots = ConnectionMultiplexer.Connect(new ConfigurationOptions
    {
        EndPoints = { "127.0.0.1:1" },
        Proxy = Proxy.Envoyproxy,
        AbortOnConnectFail = false,
        ConnectTimeout = 100,
    });

    [Fact]
    public void EveryKey_IsListedAsUsedAloneOrInItsGroup()
    {
        var unlisted = KeyMembers().Select(member => member.Name).Where(name => !GroupOf.ContainsKey(name)).ToList();

        Assert.True(unlisted.Count == 0, $"RedisKeys.{string.Join(", ", unlisted)}: list it in GroupOf (alone, or with the keys one "
            + "operation uses it with; then give them one hash tag).");
    }

    [Theory]
    [InlineData(Revocations)]
    [InlineData(Sessions)]
    [InlineData(Topic)]
    public void KeysUsedTogether_ShareOneHashSlot(string group)
    {
        // A user id is a GUID; the odd one shows that braces in an id do not move its keys apart.
        var users = new[] { "8d0f6a1e-1c55-4c1b-9a55-4f4b5a0c7e21", "a}b{c" };
        foreach (var (user, topic) in users.SelectMany(user => TopicNames.Select(topic => (user, topic))))
        {
            var keys = KeyMembers().Where(member => GroupOf.GetValueOrDefault(member.Name) == group)
                .SelectMany(member => Build(member, user, topic)).ToList();

            Assert.True(keys.Count >= 2, $"{group}: {keys.Count} key(s)");
            var slots = keys.Select(key => (Key: key.ToString(), Slot: _slots.HashSlot(key))).ToList();
            Assert.True(slots.Select(entry => entry.Slot).Distinct().Count() == 1,
                $"{group}: {string.Join(", ", slots.Select(entry => $"{entry.Key} in slot {entry.Slot}"))}");
        }
    }

    [Fact]
    public void EachTopic_OnASlotOfItsOwn_SoTopicsSpreadOverTheMasters() =>
        Assert.Equal(TopicNames.Length, TopicNames.Select(topic => _slots.HashSlot(Keys.MessageStream(topic))).Distinct().Count());

    [Fact]
    public void UsersSessions_SpreadOverSlots() =>
        Assert.Equal(10, Enumerable.Range(0, 10).Select(user => _slots.HashSlot(Keys.Sessions($"user-{user}"))).Distinct().Count());

    public void Dispose() => _slots.Dispose();

    private static IEnumerable<MemberInfo> KeyMembers() =>
        typeof(RedisKeys).GetMembers(BindingFlags.Public | BindingFlags.Instance).Where(member => member switch
        {
            PropertyInfo property => property.PropertyType == typeof(RedisKey),
            MethodInfo method => method.ReturnType == typeof(RedisKey) && !method.IsSpecialName,
            _ => false,
        });

    // The user and topic the group is about; a revocation of each kind.
    private static IEnumerable<RedisKey> Build(MemberInfo member, string user, string topic)
    {
        if (member is PropertyInfo property)
        {
            return [(RedisKey)property.GetValue(Keys)!];
        }

        var method = (MethodInfo)member;
        if (method.GetParameters() is [{ ParameterType: var type }] && type == typeof(Revoked))
        {
            return Enum.GetValues<RevocationKind>().Select(kind =>
                (RedisKey)method.Invoke(Keys, [new Revoked(kind, $"{kind}-{user}", DateTimeOffset.UnixEpoch)])!);
        }

        return [(RedisKey)method.Invoke(Keys, [.. method.GetParameters().Select(parameter => parameter.Name switch
        {
            "userId" => user,
            "topic" => topic,
            _ => $"{parameter.Name}-{Guid.NewGuid():N}",
        })])!];
    }
}
