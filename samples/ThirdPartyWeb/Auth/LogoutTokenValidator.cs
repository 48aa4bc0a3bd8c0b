using System.Text.Json;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AcmePlanner.Auth;

/// <summary>
/// Checks a logout token as OpenID Connect Back-Channel Logout 1.0 section 2.6 says, with the OpenID Connect
/// handler's own discovery document: the same issuer and signing keys as for ID tokens, refreshed the same way.
/// </summary>
public sealed class LogoutTokenValidator(IOptionsMonitor<OpenIdConnectOptions> oidc, IDistributedCache seen, TimeProvider clock)
{
    public const string BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    // Logout tokens are sent as soon as they are made (the Board's live 2 minutes): an older one is a replay.
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(2);

    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>The session the token ends, or why it is refused.</summary>
    public async Task<(string? Sid, string? Refusal)> ValidateAsync(string logoutToken)
    {
        var options = oidc.Get(BoardSignIn.OidcScheme);
        var result = await _handler.ValidateTokenAsync(logoutToken, new TokenValidationParameters
        {
            // Issuer and keys from discovery; an unknown kid makes it fetch them again (key rotation).
            ConfigurationManager = options.ConfigurationManager as BaseConfigurationManager,
            ValidAudience = options.ClientId,
            // RFC 8725 3.11: explicit typing, so an ID token (same issuer, keys and audience) is never taken for one.
            ValidTypes = ["logout+jwt"],
            // Asymmetric only (RFC 8725 2.1): what the Board signs ID tokens with.
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256],
            ClockSkew = Skew,
        });
        if (!result.IsValid)
        {
            return Refuse(result.Exception switch
            {
                SecurityTokenExpiredException => "the logout token has expired",
                SecurityTokenInvalidTypeException => "typ is not logout+jwt",
                SecurityTokenInvalidAudienceException => "the logout token is not for this client",
                SecurityTokenInvalidIssuerException => "the logout token is not from the expected issuer",
                SecurityTokenInvalidAlgorithmException => "the signing algorithm is not accepted",
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the signature does not verify",
                _ => "the logout token is not a valid signed JWT",
            });
        }

        var token = (JsonWebToken)result.SecurityToken;
        var now = clock.GetUtcNow().UtcDateTime;
        if (token.IssuedAt > now + Skew || token.IssuedAt < now - MaxAge - Skew)
        {
            return Refuse("iat is missing, in the future or too old");
        }

        // Section 2.4: events holds the back-channel logout member, and its value is a JSON object.
        if (!token.TryGetPayloadValue<JsonElement>("events", out var events) || events.ValueKind != JsonValueKind.Object
            || !events.TryGetProperty(BackChannelLogoutEvent, out var logout) || logout.ValueKind != JsonValueKind.Object)
        {
            return Refuse($"events has no {BackChannelLogoutEvent} object");
        }

        // Section 2.4: prohibited, so that an ID token, which carries one, can never pass for a logout token.
        if (token.TryGetClaim("nonce", out _))
        {
            return Refuse("a logout token has no nonce");
        }

        // This client registered backchannel_logout_session_required, so section 2.4 obliges the Board to send sid,
        // and a session is ended by sid alone: a sub-only token (all of a user's sessions) is not for us.
        if (!token.TryGetPayloadValue<string>("sid", out var sid) || string.IsNullOrEmpty(sid))
        {
            return Refuse("sid is missing");
        }

        if (string.IsNullOrEmpty(token.Id))
        {
            return Refuse("jti is missing");
        }

        // Section 2.6 step 9, against replays. Past MaxAge + Skew the iat check refuses the token anyway (2 * Skew
        // for an iat a little ahead). Get-then-set is not atomic: a duplicate racing through only ends the session twice.
        var key = BackChannelLogout.SeenTokenKey(token.Id);
        if (await seen.GetAsync(key) is not null)
        {
            return Refuse("this logout token was already received (jti)");
        }

        await seen.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = MaxAge + 2 * Skew });
        return (sid, null);
    }

    private static (string? Sid, string? Refusal) Refuse(string reason) => (null, reason);
}
