using System.Net;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests;

/// <summary>BoardApi whose IdentityServer cannot be reached: tokens cannot be checked, and it says so with a 503.</summary>
public sealed class IssuerOutageTests(BoardFixture fixture) : IClassFixture<BoardFixture>
{
    public static TheoryData<string> Modes => new() { "Jwt", "Introspection" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Request_WhileIssuerUnreachable_ServiceUnavailable(string mode)
    {
        var deadIssuer = new Uri($"http://127.0.0.1:{IdentityServerFactory.FreeLoopbackPort()}/");
        await using var board = new BoardApiFactory(deadIssuer, fixture.Board.DatabaseName, overrides: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = mode,
            ["Auth:ClientSecret"] = IdentityServerFactory.BoardApiSecret,
        })
        { DropDatabaseOnDispose = false };

        var response = await board.CreateClient(await fixture.ClientTokenAsync()).GetAsync("/posts");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
