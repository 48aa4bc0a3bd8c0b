using System.Net;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.Testing;
using static RedisJwt.IdentityServer.Tests.ResourceIndicators.ResourceRequests;
using static RedisJwt.IdentityServer.Tests.TokenExchange.TokenExchangeServer;
using static RedisJwt.Testing.IdentityServerFactory;
using static RedisJwt.Testing.TokenExchangeSeed;

namespace RedisJwt.IdentityServer.Tests.TokenExchange;

/// <summary>An exchanged token never outlives its subject token (RFC 8693 2.1), and an expired subject gets nothing.</summary>
public sealed class TokenExchangeLifetimeTests : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private readonly IdentityServerFactory _server = Create(NewDatabaseName(), NewRedisPrefix(), Settings());

    public TokenExchangeLifetimeTests() => _server.TestServices = services => services.AddSingleton<TimeProvider>(_clock);

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Exchange_SubjectHalfSpent_ExpiresWithTheSubject()
    {
        var (browser, user) = await SignInAsync(_server, UserScopes);
        _clock.Offset += TimeSpan.FromMinutes(10);

        var exchanged = await ExchangeAsync(browser.Client, BoardApi, user.Get("access_token"));

        Assert.True(exchanged.Status == HttpStatusCode.OK, exchanged.Body);
        Assert.InRange(Access(exchanged).ValidTo, Access(user).ValidTo.AddSeconds(-2), Access(user).ValidTo);
    }

    [Fact]
    public async Task Exchange_SubjectExpired_InvalidGrant()
    {
        var (browser, user) = await SignInAsync(_server, UserScopes);
        _clock.Offset += TimeSpan.FromMinutes(16);

        var refused = await ExchangeAsync(browser.Client, BoardApi, user.Get("access_token"));

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (refused.Status, refused.Error));
    }
}
