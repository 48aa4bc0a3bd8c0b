using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.Xml;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>
/// `IdentityServer keys rotate` on two instances sharing the database and Redis: the new key is published at once
/// everywhere, signs from its activation, and the retired key leaves the JWKS once no token it signed can be valid.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    // Every token lives 12 s, so a retired key stays published 12 s (no grace); a new key waits 3 s before signing.
    private static readonly Dictionary<string, string?> ShortTimes = new()
    {
        ["Credentials:KeyPropagationTime"] = "00:00:03",
        ["Credentials:KeyRetirementGrace"] = "00:00:00",
        ["Server:AccessTokenLifetime"] = "00:00:12",
        ["Server:IdentityTokenLifetime"] = "00:00:12",
        ["Server:AuthorizationCodeLifetime"] = "00:00:12",
        ["Server:RefreshTokenLifetime"] = "00:00:12",
    };

    private IdentityServerFactory _a = null!;
    private IdentityServerFactory _b = null!;

    public async Task InitializeAsync()
    {
        _a = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(), ShortTimes);
        await _a.InitializeAsync();
        _b = IdentityServerFactory.Create(_a.DatabaseName, _a.RedisPrefix, ShortTimes);
        _b.DropDatabaseOnDispose = false;
        await _b.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Fact]
    public async Task Rotate_PublishedEverywhereAtOnce_SignsFromActivation_OldKeyLeavesAfterItsTokens()
    {
        var configured = await SigningKidAsync(_a);
        var before = await TokenAsync(_b);

        var (code, output, _) = await KeysAsync("rotate");
        Assert.Equal(0, code);
        var added = Assert.Single(await JwksKidsAsync(_a), kid => kid != configured);

        // Announced through Redis: B publishes it long before its 5-minute periodic read; nobody signs with it yet.
        await Eventually.TrueAsync(async () => (await JwksKidsAsync(_b)).SetEquals([configured, added]));
        Assert.Contains(added, output);
        Assert.Equal(configured, await SigningKidAsync(_b));

        // From its activation both instances sign with it, and still accept what the old key signed.
        await Eventually.TrueAsync(async () => await SigningKidAsync(_a) == added && await SigningKidAsync(_b) == added);
        var after = await TokenAsync(_a);
        Assert.True(await ActiveAsync(_b, before), "a token of the retired key stays valid");
        Assert.True(await ActiveAsync(_b, after));

        // Once the last token the old key signed has expired, it leaves the JWKS of both.
        await Eventually.TrueAsync(async () => (await JwksKidsAsync(_a)).SetEquals([added]) && (await JwksKidsAsync(_b)).SetEquals([added]),
            TimeSpan.FromSeconds(30));
        Assert.True(await ActiveAsync(_b, await TokenAsync(_b)));
    }

    [Fact]
    public async Task RotateWhileAKeyIsPending_Refused_RotateNow_SignsAtOnceAndWithdrawsIt()
    {
        var configured = await SigningKidAsync(_a);
        Assert.Equal(0, (await KeysAsync("rotate")).Code);

        var (code, _, errors) = await KeysAsync("rotate");
        Assert.Equal(1, code);
        Assert.Contains("already waiting to sign", errors);

        var pending = Assert.Single(await JwksKidsAsync(_a), kid => kid != configured);
        var (nowCode, output, _) = await KeysAsync("rotate", "--now");
        Assert.Equal(0, nowCode);
        Assert.Contains("Withdrew 1 key(s)", output);
        var immediate = output.Split('\n')[1].Split(' ')[3];
        await Eventually.TrueAsync(async () => await SigningKidAsync(_a) == immediate && await SigningKidAsync(_b) == immediate);
        // The withdrawn key is gone, so it never takes over at its planned activation.
        await Eventually.TrueAsync(async () => !(await JwksKidsAsync(_b)).Contains(pending));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(immediate, await SigningKidAsync(_b));
    }

    [Fact]
    public async Task Remove_TheKeyLeavesEveryJwksAtOnce_ThePreviousSignsAgain()
    {
        var configured = await SigningKidAsync(_a);
        var (_, output, _) = await KeysAsync("rotate", "--now");
        var added = JwksKid(output);
        await Eventually.TrueAsync(async () => await SigningKidAsync(_b) == added);

        var (code, removed, _) = await KeysAsync("remove", added);

        Assert.Equal(0, code);
        Assert.Contains($"{configured} signs now", removed);
        await Eventually.TrueAsync(async () => !(await JwksKidsAsync(_b)).Contains(added) && await SigningKidAsync(_b) == configured);
        Assert.Equal(1, (await KeysAsync("remove", added)).Code);
    }

    [Fact]
    public async Task List_NamesEachKeysState()
    {
        await KeysAsync("rotate");

        var (code, output, _) = await KeysAsync("list");

        Assert.Equal(0, code);
        Assert.Contains("(configured certificate)", output);
        Assert.Contains("signing", output);
        Assert.Contains("pending (published, signs from its activation)", output);
    }

    [Fact]
    public async Task StoredKey_EnvelopedToTheEncryptionCertificate_ItsIdIsItsThumbprint()
    {
        var (_, output, _) = await KeysAsync("rotate", "--now");
        await using var scope = _a.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<ApplicationDbContext>().SigningKeys.SingleAsync();
        var encryption = scope.ServiceProvider.GetRequiredService<ConfiguredCredentials>().EncryptionCertificate;

        var envelope = new EnvelopedCms();
        envelope.Decode(stored.ProtectedKey);
        Assert.Equal("2.16.840.1.101.3.4.1.42", envelope.ContentEncryptionAlgorithm.Oid.Value); // AES-256-CBC
        var recipient = Assert.IsType<X509IssuerSerial>(Assert.Single(envelope.RecipientInfos.Cast<RecipientInfo>()).RecipientIdentifier.Value);
        Assert.Equal(encryption.SerialNumber, recipient.SerialNumber);
        // Another RSA key cannot open it.
        using var stranger = RSA.Create(2048);
        Assert.ThrowsAny<CryptographicException>(() => envelope.Decrypt(envelope.RecipientInfos[0], stranger));

        var opened = scope.ServiceProvider.GetRequiredService<SigningKeyProtector>().Open(stored);
        var publicKey = new RsaSecurityKey(((RsaSecurityKey)opened.Key).Rsa.ExportParameters(false));
        Assert.Equal(stored.Id, Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromRSASecurityKey(publicKey).ComputeJwkThumbprint()));
        Assert.Equal(stored.Id, JwksKid(output));
    }

    [Fact]
    public async Task RotateNow_TheServersOwnApisAcceptTokensOfTheNewKey()
    {
        for (var rotation = 0; rotation < 3; rotation++)
        {
            var (_, output, _) = await KeysAsync("rotate", "--now");
            var added = output.Split('\n').Single(line => line.StartsWith("Added", StringComparison.Ordinal)).Split(' ')[3];
            await Eventually.TrueAsync(async () => await SigningKidAsync(_b) == added);

            // /auth/me is this server's own resource (validation with the server's keys): it must know the new key too.
            var client = _b.CreateClient();
            var (accessToken, _) = await AuthApiClient.SignInAsync(client, IdentityServerFactory.DemoEmail, IdentityServerFactory.DemoPassword);
            Assert.Equal(added, new JsonWebToken(accessToken).Kid);
            Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.MeAsync(client, accessToken)).Status);
        }
    }

    [Fact]
    public async Task RowWrittenWithoutTheEncryptionKey_OrAltered_NeverPublishedNorSigns()
    {
        var configured = await SigningKidAsync(_a);
        await using var scope = _a.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
        var protector = scope.ServiceProvider.GetRequiredService<SigningKeyProtector>();
        // A database writer can envelope a key of its own to the public certificate; it cannot seal the row.
        var planted = protector.Create("RS256", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddSeconds(-1));
        planted.Seal = RandomNumberGenerator.GetBytes(32);
        // A real row whose activation was moved: its seal no longer matches.
        var altered = protector.Create("RS256", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        altered.ActivatesAt = DateTimeOffset.UtcNow.AddSeconds(-2);
        db.SigningKeys.AddRange(planted, altered);
        await db.SaveChangesAsync();

        await scope.ServiceProvider.GetRequiredService<SigningKeyRing>().RefreshAsync();

        Assert.Equal([configured], await JwksKidsAsync(_a));
        Assert.Equal(configured, await SigningKidAsync(_a));
        Assert.Throws<CryptographicException>(() => protector.Open(planted));
    }

    [Fact]
    public async Task RotateNow_UnderES256_AnEcKeySignsEs256()
    {
        var settings = new Dictionary<string, string?>(ShortTimes);
        foreach (var (name, value) in TestCertificates.EcSigningSettings())
        {
            settings[name] = value;
        }

        await using var server = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(), IdentityServerFactory.NewRedisPrefix(), settings);
        var (output, errors) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await KeysCommand.RunAsync(server.Services, ["rotate", "--now"], output, errors));

        await Eventually.TrueAsync(async () => await SigningKidAsync(server) == JwksKid(output.ToString()));
        var token = new JsonWebToken(await TokenAsync(server));
        Assert.Equal("ES256", token.Alg);
        var published = JsonDocument.Parse(await server.CreateClient().GetStringAsync("/.well-known/jwks")).RootElement.GetProperty("keys")
            .EnumerateArray().Single(jwk => jwk.GetProperty("kid").GetString() == token.Kid);
        Assert.Equal("EC", published.GetProperty("kty").GetString());
        Assert.Equal("ES256", published.GetProperty("alg").GetString());
    }

    [Theory]
    [InlineData("rotate", "--later")]
    [InlineData("remove")]
    [InlineData("shred")]
    public async Task BadCommandLine_ExitCode2WithUsage(params string[] args)
    {
        var (code, _, errors) = await KeysAsync(args);

        Assert.Equal(2, code);
        Assert.Contains("usage: IdentityServer keys", errors);
    }

    private async Task<(int Code, string Output, string Errors)> KeysAsync(params string[] args)
    {
        var (output, errors) = (new StringWriter(), new StringWriter());
        var code = await KeysCommand.RunAsync(_a.Services, args, output, errors);
        return (code, output.ToString(), errors.ToString());
    }

    // "Added signing key KID (ALG); ..."
    private static string JwksKid(string output) => output.Split(' ')[3];

    private static Task<string> TokenAsync(IdentityServerFactory server) => OAuth.ClientCredentialsAsync(server.CreateClient(), "posts.read");

    private static async Task<string> SigningKidAsync(IdentityServerFactory server) => new JsonWebToken(await TokenAsync(server)).Kid;

    private static async Task<bool> ActiveAsync(IdentityServerFactory server, string token) =>
        (await OAuth.IntrospectAsync(server.CreateClient(), token)).Json.GetProperty("active").GetBoolean();

    private static async Task<HashSet<string>> JwksKidsAsync(IdentityServerFactory server) =>
        [.. JsonDocument.Parse(await server.CreateClient().GetStringAsync("/.well-known/jwks")).RootElement.GetProperty("keys")
            .EnumerateArray().Select(key => key.GetProperty("kid").GetString()!)];
}
