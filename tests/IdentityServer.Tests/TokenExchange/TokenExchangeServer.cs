using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;
using static RedisJwt.Testing.TokenExchangeSeed;

namespace RedisJwt.IdentityServer.Tests.TokenExchange;

/// <summary>The IdentityServer seeded for RFC 8693 delegation (<see cref="TokenExchangeSeed"/>), and its requests.</summary>
public sealed class TokenExchangeServer : IAsyncLifetime
{
    public TokenExchangeServer() => Server.TestServices = services => services.AddSingleton<ILoggerProvider>(Capture);

    public IdentityServerFactory Server { get; } = Create(NewDatabaseName(), NewRedisPrefix(), Settings());

    /// <summary>What the server logs, for its audit lines.</summary>
    public LogCapture Capture { get; } = new();

    public Task InitializeAsync() => Server.InitializeAsync();

    public Task DisposeAsync() => Server.DisposeAsync().AsTask();

    /// <summary>An RFC 8693 2.1 request: the subject token as an access token, for the notifications API unless told otherwise.</summary>
    public static Task<TokenResponse> ExchangeAsync(HttpClient client, (string Id, string Secret)? credentials, string subjectToken,
        params (string Name, string Value)[] parameters)
    {
        var form = new List<(string, string)> { ("grant_type", TokenExchangeGrant), ("subject_token", subjectToken) };
        if (!parameters.Any(parameter => parameter.Name == "subject_token_type"))
        {
            form.Add(("subject_token_type", AccessTokenType));
        }

        if (!parameters.Any(parameter => parameter.Name is "resource" or "audience"))
        {
            form.Add(("resource", NotificationsResource));
        }

        return ResourceIndicators.ResourceRequests.TokenAsync(client, [.. form, .. parameters], [], credentials);
    }

    public static JsonElement ActOf(string accessToken)
    {
        var payload = new JsonWebToken(accessToken).EncodedPayload;
        using var claims = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(payload));
        return claims.RootElement.GetProperty("act").Clone();
    }
}
