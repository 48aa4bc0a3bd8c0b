using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Client;
using RedisJwt.Testing;
using static OpenIddict.Client.OpenIddictClientModels;
using static RedisJwt.IdentityServer.Tests.ResourceIndicators.ResourceRequests;
using static RedisJwt.IdentityServer.Tests.TokenExchange.TokenExchangeServer;
using static RedisJwt.Testing.IdentityServerFactory;
using static RedisJwt.Testing.TokenExchangeSeed;

namespace RedisJwt.IdentityServer.Tests.TokenExchange;

/// <summary>
/// Token exchange with an independent client library: OpenIddict's client (discovery, client_secret authentication,
/// its RFC 8693 request and response handling) as BoardApi would use it, against the server on a real socket.
/// </summary>
public sealed class OpenIddictClientExchangeTests : IAsyncLifetime
{
    private readonly IdentityServerFactory _server = OnLoopback(FreeLoopbackPort(), overrides: Settings());
    private ServiceProvider? _client;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOpenIddict().AddClient(options =>
        {
            options.AllowTokenExchangeFlow();
            options.DisableTokenStorage();
            options.UseSystemNetHttp();
            options.AddRegistration(new OpenIddictClientRegistration
            {
                Issuer = _server.Issuer,
                ClientId = BoardApiClientId,
                ClientSecret = BoardApiSecret,
            });
        });
        _client = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    private OpenIddictClientService Client => _client!.GetRequiredService<OpenIddictClientService>();

    [Fact]
    public async Task OpenIddictClient_ExchangesTheUsersToken_AccessTokenActingAsBoardApi()
    {
        var (browser, user) = await SignInAsync(_server, UserScopes);

        var result = await Client.AuthenticateWithTokenExchangeAsync(new TokenExchangeAuthenticationRequest
        {
            SubjectToken = user.Get("access_token"),
            SubjectTokenType = OpenIddictConstants.TokenTypeIdentifiers.AccessToken,
            Resources = [NotificationsResource],
            Scopes = ["notifications.read"],
        });

        Assert.Equal(OpenIddictConstants.TokenTypeIdentifiers.AccessToken, result.IssuedTokenType);
        var token = await OAuth.ValidateJwtAsync(browser.Client, result.IssuedToken, NotificationsResource, "at+jwt");
        Assert.Equal(Access(user).Subject, token.Subject);
        Assert.Equal("""{"sub":"board-api"}""", ActOf(result.IssuedToken).GetRawText());
    }

    [Fact]
    public async Task OpenIddictClient_ScopeWiderThanTheSubject_ReportsInvalidScope()
    {
        var (_, user) = await SignInAsync(_server, UserScopes);

        var refused = await Assert.ThrowsAsync<OpenIddictExceptions.ProtocolException>(() => Client.AuthenticateWithTokenExchangeAsync(
            new TokenExchangeAuthenticationRequest
            {
                SubjectToken = user.Get("access_token"),
                SubjectTokenType = OpenIddictConstants.TokenTypeIdentifiers.AccessToken,
                Audiences = [NotificationsResource],
                Scopes = ["notifications.read", "notifications.send"],
            }).AsTask());

        Assert.Equal(OpenIddictConstants.Errors.InvalidScope, refused.Error);
    }

    [Fact]
    public async Task OpenIddictClient_RevokedSubject_ReportsInvalidGrant()
    {
        var (browser, user) = await SignInAsync(_server, UserScopes);
        Assert.Equal(HttpStatusCode.OK, (await OAuth.RevokeAsSpaAsync(browser.Client, user.Get("access_token"))).Status);

        var refused = await Assert.ThrowsAsync<OpenIddictExceptions.ProtocolException>(() => Client.AuthenticateWithTokenExchangeAsync(
            new TokenExchangeAuthenticationRequest
            {
                SubjectToken = user.Get("access_token"),
                SubjectTokenType = OpenIddictConstants.TokenTypeIdentifiers.AccessToken,
                Resources = [NotificationsResource],
            }).AsTask());

        Assert.Equal(OpenIddictConstants.Errors.InvalidGrant, refused.Error);
    }
}
