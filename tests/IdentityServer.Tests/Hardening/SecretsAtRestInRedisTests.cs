using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.Messages.Providers;
using RedisJwt.IdentityServer.Tests.Messages;
using RedisJwt.Revocation;
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

    // What anyone who can read Redis sees.
    private static IDatabase Redis(IdentityServerFactory server) => server.AdminRedis.GetDatabase();
}
