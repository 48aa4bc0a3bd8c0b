using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.IdentityServer.Tests.Messages;
using RedisJwt.ServiceDefaults;
using RedisJwt.Testing;
using StackExchange.Redis;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 3 (issue 17), what Redis holds: the Data Protection key ring was plain XML, so whoever could read
/// Redis could forge any user's cookie. Now each key is encrypted to the encryption certificate, which only the
/// IdentityServer's instances hold, and message texts (reset and confirmation links) are sealed in the streams and
/// dead letters. (Who may read what in Redis at all is the ACL tests' part.)
/// </summary>
public sealed class SecretsAtRestInRedisTests
{
    [Fact]
    public async Task KeyRing_InRedis_EncryptedToTheEncryptionCertificate()
    {
        await using var server = new IdentityServerFactory();
        Assert.Equal(HttpStatusCode.OK, (await server.CreateApiClient().GetAsync("/Account/Login")).StatusCode);

        var keys = await Redis(server).ListRangeAsync(server.Services.GetRequiredService<RedisKeys>().DataProtectionKeys);

        Assert.NotEmpty(keys);
        Assert.All(keys.Select(key => key.ToString()), key =>
        {
            Assert.Contains("<encryptedSecret", key);
            Assert.Contains("KeyRingDecryptor", key);
            Assert.DoesNotContain("<masterKey", key);
        });
    }

    [Fact]
    public async Task KeyRing_KeyWrittenIntoRedisWithoutTheCertificate_NeverUsed()
    {
        // A key in clear, as before keys were sealed, or as whoever can write to Redis could plant one: with it, a
        // payload that would pass for the server's own (a cookie, an antiforgery token).
        var prefix = NewRedisPrefix();
        using var redis = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        var planted = new ServiceCollection();
        planted.AddDataProtection().SetApplicationName("RedisJwt.IdentityServer")
            .PersistKeysToStackExchangeRedis(redis, new RedisKeys(Options.Create(new RedisOptions { KeyPrefix = prefix })).DataProtectionKeys);
        await using var plantedServices = planted.BuildServiceProvider();
        var forged = plantedServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("forgery").Protect("any user");

        await using var server = Create(NewDatabaseName(), prefix);
        var protector = server.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("forgery");

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect(forged));
        // The server made a key of its own, sealed: it round-trips, and the planted one is still ignored.
        Assert.Equal("mine", protector.Unprotect(protector.Protect("mine")));
        var stored = await Redis(server).ListRangeAsync(server.Services.GetRequiredService<RedisKeys>().DataProtectionKeys);
        Assert.Equal(2, stored.Length);
        Assert.Single(stored, key => key.ToString().Contains("redisjwt-seal=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyRing_WithoutTheEncryptionCertificate_CookiesAreNotAccepted()
    {
        var database = NewDatabaseName();
        var prefix = NewRedisPrefix();
        var cookies = new CookieContainer();
        await using var deployment = OnLoopback(FreeLoopbackPort(), database, prefix);
        deployment.StartServer();
        var user = await deployment.CreateUserAsync();
        var browser = new Browser(LoopbackHttp.Client(deployment.Issuer, cookies));
        await OAuth.SignInAsync(browser, user.Email!, "Str0ng!Password");
        Assert.Equal("/Account/Security", (await browser.NavigateAsync("/Account/Security")).Url.AbsolutePath);

        // Everything but the certificate: the same database and Redis, the same cookie.
        await using var intruder = OnLoopback(FreeLoopbackPort(), database, prefix, new Dictionary<string, string?>(TestCertificates.NewEncryptionCertificateSettings()));
        intruder.DropDatabaseOnDispose = false;
        intruder.StartServer();
        var page = await new Browser(LoopbackHttp.Client(intruder.Issuer, cookies)).NavigateAsync("/Account/Security");

        Assert.Equal("/Account/Login", page.Url.AbsolutePath);
    }

    [Fact]
    public async Task MessageText_InTheStreamAndTheDeadLetters_Sealed_TheProviderGetsItOpen()
    {
        const string secret = "https://id.example.test/Account/ResetPassword?userId=1&code=SECRET-CODE";
        var provider = new RecordingProvider((_, _) => throw new MessageNotAcceptedException("refused", permanent: true));
        await using var server = RecordingProvider.Server(provider);
        var message = RecordingProvider.Email("sealed@example.test", MessageKinds.PasswordReset) with { Text = secret };

        var result = await server.Services.GetRequiredService<IMessageDispatcher>().DispatchAsync(message);

        var keys = server.Services.GetRequiredService<RedisKeys>();
        await Eventually.TrueAsync(async () => await Redis(server).StreamLengthAsync(keys.MessageDeadLetters(result.Topic)) == 1);
        Assert.Equal(secret, Assert.Single(provider.Attempts).Text);
        var stored = (await Redis(server).StreamRangeAsync(keys.MessageStream(result.Topic)))
            .Concat(await Redis(server).StreamRangeAsync(keys.MessageDeadLetters(result.Topic))).ToList();
        Assert.Equal(2, stored.Count);
        Assert.All(stored, entry =>
        {
            Assert.StartsWith("sealed:v1:", entry["text"].ToString());
            Assert.DoesNotContain("SECRET-CODE", string.Join(" ", entry.Values.Select(field => field.Value.ToString())));
        });
    }

    [Fact]
    public async Task QueuedResetLink_ReaddressedInRedis_DeadLetteredNotSent()
    {
        // A provider that holds its first message, so the next ones wait in the stream to be tampered with.
        var release = new TaskCompletionSource();
        var provider = new RecordingProvider((_, _) => release.Task);
        await using var server = RecordingProvider.Server(provider);
        var dispatcher = server.Services.GetRequiredService<IMessageDispatcher>();
        await dispatcher.DispatchAsync(RecordingProvider.Email("first@example.test"));
        await Eventually.TrueAsync(() => Task.FromResult(provider.Attempts.Count == 1));
        var result = await dispatcher.DispatchAsync(RecordingProvider.Email("victim@example.test", MessageKinds.PasswordReset)
            with { Text = "https://id.example.test/Account/ResetPassword?code=VICTIMS-CODE" });

        // Whoever can write to Redis copies the queued entry, addressed to themselves, and adds an unsealed one.
        var keys = server.Services.GetRequiredService<RedisKeys>();
        var queued = (await Redis(server).StreamRangeAsync(keys.MessageStream(result.Topic))).Single(entry => entry["recipient"] == "victim@example.test");
        await Redis(server).StreamAddAsync(keys.MessageStream(result.Topic),
            [.. queued.Values.Select(field => field.Name == "recipient" ? new NameValueEntry("recipient", "attacker@example.test") : field)]);
        await Redis(server).StreamAddAsync(keys.MessageStream(result.Topic),
            [.. queued.Values.Select(field => field.Name == "text" ? new NameValueEntry("text", "Call +1 555 0100 now") : field)
                .Select(field => field.Name == "id" ? new NameValueEntry("id", "planted") : field)]);
        release.SetResult();

        await Eventually.TrueAsync(async () => await Redis(server).StreamLengthAsync(keys.MessageDeadLetters(result.Topic)) == 2);
        await Eventually.TrueAsync(() => Task.FromResult(provider.Accepted.Any(message => message.Recipient == "victim@example.test")));
        Assert.DoesNotContain(provider.Attempts, message => message.Recipient == "attacker@example.test" || message.Text.Contains("555"));
        var dead = await Redis(server).StreamRangeAsync(keys.MessageDeadLetters(result.Topic));
        Assert.All(dead, entry => Assert.Contains("cannot be opened", entry["reason"].ToString()));
    }

    // What anyone who can read Redis sees.
    private static IDatabase Redis(IdentityServerFactory server) => server.AdminRedis.GetDatabase();
}
