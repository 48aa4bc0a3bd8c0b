using System.Diagnostics;
using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests;

/// <summary>A BoardApi running since before `IdentityServer keys rotate` goes on validating across it, unrestarted.</summary>
public sealed class KeyRotationTests
{
    [Fact]
    public async Task Rotated_TokensSignedBeforeAndAfterAccepted_WithoutBoardApiRestart()
    {
        var identity = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(), overrides: new Dictionary<string, string?>
        {
            ["Credentials:KeyPropagationTime"] = "00:00:02",
        });
        await using var _ = identity;
        await identity.InitializeAsync();
        await using var board = new BoardApiFactory(identity.Issuer);
        board.StartServer();
        var before = await Tokens.ClientCredentialsAsync(identity, "posts.read");
        Assert.Equal(HttpStatusCode.OK, (await board.CreateClient(before).GetAsync("/posts")).StatusCode);

        var (output, errors) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await KeysCommand.RunAsync(identity.Services, ["rotate"], output, errors));
        var added = output.ToString().Split(' ')[3];
        // The new key signs once the server has reloaded its ring (right away in-process; bounded all the same).
        var signing = Stopwatch.StartNew();
        string after;
        do
        {
            await Task.Delay(200);
            after = await Tokens.ClientCredentialsAsync(identity, "posts.read");
        }
        while (new JsonWebToken(after).Kid != added && signing.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal(added, new JsonWebToken(after).Kid);

        // BoardApi's cached JWKS predates the key: the first token with its kid makes it read the JWKS again (at most
        // once a second here; a deployment's resource servers have the key already, from the propagation time).
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        while ((status = (await board.CreateClient(after).GetAsync("/posts")).StatusCode) != HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(HttpStatusCode.OK, (await board.CreateClient(before).GetAsync("/posts")).StatusCode);
    }

    /// <summary>
    /// Review finding 13 (issue 17): the README said `keys remove` stops a key's tokens at once. It does at the
    /// IdentityServer (introspection); a running resource server accepts them until it reads the JWKS again, which a
    /// restart does at once. This is what the README now says.
    /// </summary>
    [Fact]
    public async Task KeyRemoved_IntrospectionRefusesAtOnce_ARunningBoardApiUntilItReloadsTheJwks()
    {
        var identity = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort());
        await using var _ = identity;
        await identity.InitializeAsync();
        var (output, errors) = (new StringWriter(), new StringWriter());
        Assert.Equal(0, await KeysCommand.RunAsync(identity.Services, ["rotate", "--now"], output, errors));
        var added = output.ToString().Split(' ')[3];
        string token = "";
        await Eventually.TrueAsync(async () => new JsonWebToken(token = await Tokens.ClientCredentialsAsync(identity, "posts.read")).Kid == added);
        await using var running = new BoardApiFactory(identity.Issuer, redisPrefix: identity.RedisPrefix);
        running.StartServer();
        Assert.Equal(HttpStatusCode.OK, (await running.CreateClient(token).GetAsync("/posts")).StatusCode);

        Assert.Equal(0, await KeysCommand.RunAsync(identity.Services, ["remove", added], output, errors));

        await Eventually.TrueAsync(async () =>
            !(await OAuth.IntrospectAsync(identity.CreateApiClient(), token)).Json.GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await running.CreateClient(token).GetAsync("/posts")).StatusCode);
        await using var restarted = new BoardApiFactory(identity.Issuer, running.DatabaseName, identity.RedisPrefix) { DropDatabaseOnDispose = false };
        restarted.StartServer();
        Assert.Equal(HttpStatusCode.Unauthorized, (await restarted.CreateClient(token).GetAsync("/posts")).StatusCode);
    }
}
