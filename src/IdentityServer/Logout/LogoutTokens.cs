using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Logout;

/// <summary>
/// Logout tokens (OIDC Back-Channel Logout 1.0 section 2.4): signed with the key that signs ID tokens, so a client
/// verifies them with the keys it already has, and typed <c>logout+jwt</c> (RFC 8725 3.11), so neither an ID token nor
/// anything else this server signs can pass for one. No nonce (section 2.4 forbids it).
/// </summary>
public sealed class LogoutTokens(IOptionsMonitor<OpenIddictServerOptions> server, IOptions<ServerSettings> settings,
    IOptions<LogoutSettings> logout, TimeProvider clock)
{
    public const string TokenType = "logout+jwt";
    public const string BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <param name="jti">The notification's id: the same on every delivery attempt, so a client can drop a repeat.</param>
    /// <param name="sid">Always sent (section 2.4), so backchannel_logout_session_required is always met.</param>
    public string Create(string clientId, string subject, string sid, string jti)
    {
        var now = clock.GetUtcNow();
        var claims = new Dictionary<string, object>
        {
            [Claims.JwtId] = jti,
            [Claims.Subject] = subject,
            [SessionClaims.SessionId] = sid,
            ["events"] = new Dictionary<string, object> { [BackChannelLogoutEvent] = new Dictionary<string, object>() },
        };

        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Value.Issuer!.AbsoluteUri,
            Audience = clientId,
            IssuedAt = now.UtcDateTime,
            Expires = (now + logout.Value.LogoutTokenLifetime).UtcDateTime,
            TokenType = TokenType,
            Claims = claims,
            // As OpenIddict chooses for ID tokens: the first asymmetric key, which the key ring keeps the published one.
            SigningCredentials = server.CurrentValue.SigningCredentials.First(credentials => credentials.Key is AsymmetricSecurityKey),
        });
    }
}
