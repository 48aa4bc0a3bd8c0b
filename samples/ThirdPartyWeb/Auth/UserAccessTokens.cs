using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AcmePlanner.Auth;

/// <summary>
/// The signed-in user's access token for BoardApi, refreshed with their refresh token when it has (nearly) expired.
/// Uses the OpenID Connect handler's own configuration (token endpoint from discovery, client id and secret,
/// back-channel client), so there is nothing else to configure.
/// </summary>
public sealed class UserAccessTokens(IOptionsMonitor<OpenIdConnectOptions> oidc, IMemoryCache recent, TimeProvider clock,
    ILogger<UserAccessTokens> logger)
{
    // Refresh a little early, so a token does not expire between here and BoardApi.
    private static readonly TimeSpan Early = TimeSpan.FromSeconds(30);

    // The Board rotates refresh tokens and treats a second use of one as theft, ending the whole session. So each
    // refresh token is redeemed once: parallel requests, and requests still carrying the old cookie for a short
    // while after, share the one result.
    private static readonly TimeSpan ShareResultFor = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();

    private sealed record Tokens(string AccessToken, string RefreshToken, DateTimeOffset ExpiresAt);

    /// <summary>A current access token; null when the user is not signed in or the Board ended the connection.</summary>
    public async Task<string?> GetAsync(HttpContext context)
    {
        var session = await context.AuthenticateAsync(BoardSignIn.CookieScheme);
        if (!session.Succeeded)
        {
            return null;
        }

        var properties = session.Properties;
        var accessToken = properties.GetTokenValue(OpenIdConnectParameterNames.AccessToken);
        if (accessToken is not null && ExpiresAt(properties) - Early > clock.GetUtcNow())
        {
            return accessToken;
        }

        if (properties.GetTokenValue(OpenIdConnectParameterNames.RefreshToken) is not { } refreshToken
            || await RefreshOnceAsync(refreshToken) is not { } fresh)
        {
            return null;
        }

        properties.UpdateTokenValue(OpenIdConnectParameterNames.AccessToken, fresh.AccessToken);
        properties.UpdateTokenValue(OpenIdConnectParameterNames.RefreshToken, fresh.RefreshToken);
        // The same format the handler writes (SaveTokens).
        properties.UpdateTokenValue("expires_at", fresh.ExpiresAt.ToString("o", CultureInfo.InvariantCulture));
        await context.SignInAsync(BoardSignIn.CookieScheme, session.Principal, properties);
        return fresh.AccessToken;
    }

    private static DateTimeOffset ExpiresAt(AuthenticationProperties properties) =>
        DateTimeOffset.TryParse(properties.GetTokenValue("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind,
            out var expiresAt) ? expiresAt : DateTimeOffset.MinValue;

    private async Task<Tokens?> RefreshOnceAsync(string refreshToken)
    {
        var key = "refresh:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(refreshToken)));
        Task<Tokens?> refresh;
        lock (_gate)
        {
            refresh = recent.GetOrCreate(key, entry =>
            {
                entry.AbsoluteExpirationRelativeToNow = ShareResultFor;
                return RefreshAsync(refreshToken);
            })!;
        }

        try
        {
            return await refresh;
        }
        catch
        {
            // The Board could not be reached: nothing was redeemed, so the next request may try again.
            recent.Remove(key);
            throw;
        }
    }

    private async Task<Tokens?> RefreshAsync(string refreshToken)
    {
        // Not the request's token: other requests may be waiting for this result.
        var options = oidc.Get(BoardSignIn.OidcScheme);
        var configuration = await options.ConfigurationManager!.GetConfigurationAsync(CancellationToken.None);
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint)
        {
            // client_secret_post, as the handler itself authenticates at the token endpoint.
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                [OpenIdConnectParameterNames.GrantType] = OpenIdConnectGrantTypes.RefreshToken,
                [OpenIdConnectParameterNames.RefreshToken] = refreshToken,
                [OpenIdConnectParameterNames.ClientId] = options.ClientId!,
                [OpenIdConnectParameterNames.ClientSecret] = options.ClientSecret!,
            }),
        };
        using var response = await options.Backchannel.SendAsync(request);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
        {
            // invalid_grant: the user signed out at the Board, revoked this app, or the session expired.
            var refused = new OpenIdConnectMessage(await response.Content.ReadAsStringAsync());
            logger.LogInformation("The Board refused the refresh token: {Error} {Description}", refused.Error, refused.ErrorDescription);
            return null;
        }

        response.EnsureSuccessStatusCode();
        var answer = new OpenIdConnectMessage(await response.Content.ReadAsStringAsync());
        var lifetime = int.TryParse(answer.ExpiresIn, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : 0;
        return new Tokens(answer.AccessToken, answer.RefreshToken ?? refreshToken, clock.GetUtcNow().AddSeconds(lifetime));
    }
}
