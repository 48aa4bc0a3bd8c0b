using System.Reflection;
using Microsoft.Extensions.Options;
using RedisJwt.BoardApi.RateLimits;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.Revocation;
using RedisJwt.ServiceDefaults;
using StackExchange.Redis;

namespace RedisJwt.BoardApi.Tests.Security;

/// <summary>
/// deploy/redis/users.acl.template against the key schema (no server): every key and channel <see cref="RedisKeys"/>
/// names for a service is within that service's rights, and nothing else is. Here because this test project sees
/// both services. A new key fails it until the rules (and docs/redis.md) say who may use it.
/// </summary>
public sealed class RedisAclRulesTests
{
    private const string Prefix = "redisjwt:";
    private const string User = "5b1e0c7a-8d2f-4e61-9c3b-0a7d2e4f6b18";

    private static readonly RedisKeys Keys = new(Options.Create(new RedisOptions { KeyPrefix = Prefix }));
    private static readonly AclUsers Users = AclUsers.Load(Prefix);
    private static readonly AclUsers.User Identity = Users["identity-server"];
    private static readonly AclUsers.User Board = Users["board-api"];

    private static readonly DateTimeOffset Later = DateTimeOffset.UtcNow.AddHours(1);

    private static readonly string[] Revocations = Names(
        Keys.Revoked(Revoked.Token("jti-1", Later)), Keys.Revoked(Revoked.Session("sid-1", Later)),
        Keys.Revoked(Revoked.Family("aid-1", Later)), Keys.Revoked(Revoked.User(User, DateTimeOffset.UtcNow, Later)),
        Keys.RevocationIndex);

    // DPoP proofs seen, by whichever service a proof was sent to (the token endpoint, userinfo, /auth, BoardApi).
    private static readonly string[] DPoPProofs = Names(Keys.DPoPProofUse("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", "jti-1"));

    // The default topics: each a stream with its retries and dead letters, and a send quota (TopicConsumer's policy).
    private static readonly string[] Topics = [.. new MessagingSettings().AllTopics.Select(topic => topic.Name)];

    /// <summary>Everything only the IdentityServer uses (besides the revocations, which it writes and BoardApi reads).</summary>
    private static IEnumerable<string> IdentityOnlyKeys() => Names(
    [
        Keys.DataProtectionKeys,
        Keys.Sessions(User), Keys.SessionAuthorizations(User, "sid-1"),
        Keys.RefreshTokenUse("token-1"), Keys.AuthorizationCodeUse("code-1"), Keys.RefreshFamilyLatest("aid-1"),
        Keys.ProfileGeneration(User), $"{Keys.IdentityCacheInstance}profile:{User}:generation-1",
        Keys.MessageLock("email", "someone@example.test", "password-reset"),
        .. Topics.SelectMany(topic => new[] { Keys.MessageStream(topic), Keys.MessageRetries(topic), Keys.MessageDeadLetters(topic) }),
        .. Topics.Select(topic => Keys.RateLimit($"messages.{topic}", "send")),
        .. PolicyNames(typeof(IdentityRateLimits)).Select(policy => Keys.RateLimit(policy, "203.0.113.7")),
        Keys.KnownDevices(User), Keys.AuthenticatorCodeUse(User, "123456"), Keys.DPoPNonce(5_900_000),
        Keys.ClientAssertionUse("partner-client", "jti-1"),
        Keys.DevicePolls("0f8fad5b-d9cb-469f-a165-70867728950e"),
    ]);

    private static IEnumerable<string> BoardOnlyKeys() => Names(
    [
        Keys.PostListGeneration, $"{Keys.BoardCacheInstance}posts:generation-1:20::",
        .. PolicyNames(typeof(BoardRateLimits)).Select(policy => Keys.RateLimit(policy, User)),
    ]);

    // Who uses each key and channel RedisKeys names (the lists below build them): a new one fails
    // EveryKeyAndChannel_HasItsUsers until it is listed here, in those lists, and granted in the template.
    private static readonly Dictionary<string, string> UsedBy = new()
    {
        [nameof(RedisKeys.DataProtectionKeys)] = "identity-server",
        [nameof(RedisKeys.ProfileGeneration)] = "identity-server",
        [nameof(RedisKeys.IdentityCacheInstance)] = "identity-server",
        [nameof(RedisKeys.Revoked)] = "identity-server, board-api (read)",
        [nameof(RedisKeys.RevocationIndex)] = "identity-server, board-api (read)",
        [nameof(RedisKeys.RevocationChannel)] = "identity-server, board-api (subscribe)",
        [nameof(RedisKeys.ClientChangesChannel)] = "identity-server",
        [nameof(RedisKeys.SigningKeysChannel)] = "identity-server",
        [nameof(RedisKeys.MessagesQueuedChannel)] = "identity-server",
        [nameof(RedisKeys.RefreshTokenUse)] = "identity-server",
        [nameof(RedisKeys.AuthorizationCodeUse)] = "identity-server",
        [nameof(RedisKeys.RefreshFamilyLatest)] = "identity-server",
        [nameof(RedisKeys.Sessions)] = "identity-server",
        [nameof(RedisKeys.SessionAuthorizations)] = "identity-server",
        [nameof(RedisKeys.PostListGeneration)] = "board-api",
        [nameof(RedisKeys.BoardCacheInstance)] = "board-api",
        [nameof(RedisKeys.RateLimit)] = "each service, its own policies",
        [nameof(RedisKeys.MessageLock)] = "identity-server",
        [nameof(RedisKeys.MessageStream)] = "identity-server",
        [nameof(RedisKeys.MessageRetries)] = "identity-server",
        [nameof(RedisKeys.MessageDeadLetters)] = "identity-server",
        [nameof(RedisKeys.KnownDevices)] = "identity-server",
        [nameof(RedisKeys.AuthenticatorCodeUse)] = "identity-server",
        [nameof(RedisKeys.DPoPNonce)] = "identity-server",
        [nameof(RedisKeys.ClientAssertionUse)] = "identity-server",
        [nameof(RedisKeys.DPoPProofUse)] = "identity-server, board-api",
        [nameof(RedisKeys.DevicePolls)] = "identity-server",
    };

    [Fact]
    public void EveryKeyAndChannel_HasItsUsers()
    {
        var named = typeof(RedisKeys).GetMembers(BindingFlags.Public | BindingFlags.Instance).Where(member => member switch
        {
            PropertyInfo property => property.PropertyType == typeof(RedisKey) || property.PropertyType == typeof(RedisChannel)
                || property.PropertyType == typeof(string),
            MethodInfo method => method.ReturnType == typeof(RedisKey) && !method.IsSpecialName,
            _ => false,
        }).Select(member => member.Name).ToList();

        var unlisted = named.Where(name => !UsedBy.ContainsKey(name)).ToList();
        Assert.True(unlisted.Count == 0, $"RedisKeys.{string.Join(", ", unlisted)}: say here which service uses it, check it "
            + "below, and grant it in deploy/redis/users.acl.template (and docs/redis.md).");
    }

    [Fact]
    public void IdentityServer_EveryKeyAndChannelItUses_ReadAndWritable()
    {
        var unreachable = IdentityOnlyKeys().Concat(Revocations).Concat(DPoPProofs).Where(key => !Identity.CanRead(key) || !Identity.CanWrite(key)).ToList();

        Assert.Empty(unreachable);
        Assert.All(new[] { Keys.RevocationChannel, Keys.ClientChangesChannel, Keys.SigningKeysChannel, Keys.MessagesQueuedChannel },
            channel => Assert.True(Identity.CanUseChannel(channel.ToString()), channel.ToString()));
        Assert.True(Identity.Allows("publish"));
    }

    [Fact]
    public void BoardApi_EveryKeyAndChannelItUses_Reachable_RevocationsReadOnly()
    {
        Assert.All(BoardOnlyKeys().Concat(DPoPProofs), key => Assert.True(Board.CanRead(key) && Board.CanWrite(key), key));
        Assert.All(Revocations, key => Assert.True(Board.CanRead(key), key));
        Assert.True(Board.CanUseChannel(Keys.RevocationChannel.ToString()));
    }

    [Fact]
    public void BoardApi_KeyRingSessionsRefreshClaimsStreams_OutOfReach_RevocationsNotWritable()
    {
        var reachable = IdentityOnlyKeys().Where(key => Board.CanRead(key) || Board.CanWrite(key)).ToList();

        Assert.Empty(reachable);
        Assert.All(Revocations, key => Assert.False(Board.CanWrite(key), key));
        // Subscribing is all it does with the revocation channel: it may not announce one, nor hear client or key changes.
        Assert.False(Board.Allows("publish"));
        Assert.False(Board.CanUseChannel(Keys.ClientChangesChannel.ToString()));
        Assert.False(Board.CanUseChannel(Keys.SigningKeysChannel.ToString()));
        Assert.False(Board.CanUseChannel(Keys.MessagesQueuedChannel.ToString()));
    }

    [Fact]
    public void IdentityServer_BoardApisCacheAndLimits_OutOfReach()
    {
        Assert.All(BoardOnlyKeys(), key => Assert.False(Identity.CanRead(key) || Identity.CanWrite(key), key));
    }

    [Theory]
    [InlineData("identity-server")]
    [InlineData("board-api")]
    public void Services_NothingOutsideThePrefix_NoAdministration(string name)
    {
        var user = Users[name];

        Assert.True(user.Enabled);
        Assert.All(user.KeyPatterns, entry => Assert.StartsWith(Prefix, entry.Pattern));
        Assert.All(user.ChannelPatterns, pattern => Assert.StartsWith(Prefix, pattern));
        Assert.False(user.CanRead("other:dataprotection:keys"));
        Assert.All(new[] { "flushall", "flushdb", "keys", "config|get", "config|set", "acl|setuser", "client|kill", "debug", "shutdown", "monitor" },
            command => Assert.False(user.Allows(command), command));
    }

    [Fact]
    public void DefaultUser_TheAdministrator_OnlyWithAPassword()
    {
        var administrator = Users["default"];

        Assert.Equal(["board-api", "default", "identity-server"], Users.Names.Order());
        Assert.True(administrator.Enabled && administrator.Allows("flushall") && administrator.CanWrite("anything"));
        Assert.DoesNotContain("nopass", administrator.Rules);
        Assert.Contains(administrator.Rules, rule => rule.StartsWith('#') || rule.StartsWith('>'));
    }

    [Fact]
    public void TestPrefixGlob_CoversEveryTestPrefix_KeepsTheSameBoundaries()
    {
        // test.sh renders the users for test:*: (a prefix per test class, test:browser: for the browser tests).
        var tests = AclUsers.Load("test:*:");
        var keys = new RedisKeys(Options.Create(new RedisOptions { KeyPrefix = $"test:{Guid.NewGuid():N}:" }));

        Assert.True(tests["board-api"].CanRead(keys.RevocationIndex.ToString()));
        Assert.False(tests["board-api"].CanWrite(keys.RevocationIndex.ToString()));
        Assert.False(tests["board-api"].CanRead(keys.DataProtectionKeys.ToString()));
        Assert.True(tests["identity-server"].CanWrite(
            new RedisKeys(Options.Create(new RedisOptions { KeyPrefix = "test:browser:" })).DataProtectionKeys.ToString()));
        Assert.False(tests["identity-server"].CanRead($"{Prefix}dataprotection:keys"));
    }

    private static string[] Names(params RedisKey[] keys) => [.. keys.Select(key => key.ToString())];

    private static IEnumerable<string> PolicyNames(Type policies) => policies
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral && field.FieldType == typeof(string))
        .Select(field => (string)field.GetRawConstantValue()!);
}
