using System.Diagnostics;
using System.Net;
using Microsoft.IdentityModel.Tokens;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using static RedisJwt.BoardApi.Tests.Infrastructure.Responses;

namespace RedisJwt.BoardApi.Tests;

/// <summary>The IdentityServer restarts with a new signing key; the running BoardApi learns it from the JWKS.</summary>
public sealed class SigningKeyPickupTests
{
    [Fact]
    public async Task IssuerRestartedWithNewKey_NewTokensAcceptedWithoutBoardApiRestart_OldKeyTokensRejected()
    {
        var port = IdentityServerFactory.FreeLoopbackPort();
        var before = IdentityServerFactory.OnLoopback(port);
        await before.InitializeAsync();
        await using var board = new BoardApiFactory(before.Issuer);
        board.StartServer();

        var oldToken = await Tokens.ClientCredentialsAsync(before, "posts.read");
        var oldKid = await PublishedKidAsync(before);
        Assert.Equal(HttpStatusCode.OK, (await board.CreateClient(oldToken).GetAsync("/posts")).StatusCode);

        // Same issuer URL, database and Redis prefix; only the signing key differs.
        before.DropDatabaseOnDispose = false;
        await before.DisposeAsync();
        await using var after = IdentityServerFactory.OnLoopback(port, before.DatabaseName, before.RedisPrefix,
            TestCertificates.NewSigningKeySettings().ToDictionary());
        await after.InitializeAsync();

        var newToken = await Tokens.ClientCredentialsAsync(after, "posts.read");
        Assert.NotEqual(oldKid, await PublishedKidAsync(after));

        // The first token with an unknown kid makes BoardApi re-read discovery and JWKS (at most once a second here).
        var newClient = board.CreateClient(newToken);
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        while ((status = (await newClient.GetAsync("/posts")).StatusCode) != HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, status);
        AssertInvalidToken(await board.CreateClient(oldToken).GetAsync("/posts"));
    }

    private static async Task<string> PublishedKidAsync(IdentityServerFactory identity) =>
        Assert.Single(new JsonWebKeySet(await identity.CreateApiClient().GetStringAsync("/.well-known/jwks")).Keys).Kid;
}
