using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.Testing;

/// <summary>
/// Builds OpenID Connect Back-Channel Logout 1.0 logout tokens by hand, each wrong in exactly one way, to prove a
/// receiver refuses for that reason alone. It holds the IdentityServer's real signing key (the test certificate on
/// disk) and the kid and alg its JWKS publishes, so <see cref="Create"/> with no changes yields a token the receiver
/// accepts: the baseline every forgery departs from.
/// </summary>
public sealed class LogoutTokenForge(RSA issuerKey, string kid, string algorithm, string issuer, string audience)
{
    public const string BackChannelLogoutEvent = "http://schemas.openid.net/event/backchannel-logout";

    /// <summary>The forge of the IdentityServer at <paramref name="issuer"/>, signing with the test deployment's key.</summary>
    public static async Task<LogoutTokenForge> ForAsync(Uri issuer, string audience = IdentityServerFactory.ThirdPartyClientId)
    {
        using var client = LoopbackHttp.Client(issuer);
        var key = Assert.Single(new JsonWebKeySet(await client.GetStringAsync(".well-known/jwks")).Keys);
        var rsa = RSA.Create();
        rsa.ImportFromPem(await File.ReadAllTextAsync(TestCertificates.Settings["Credentials:SigningKeyPath"]!));
        return new LogoutTokenForge(rsa, key.Kid, key.Alg ?? SecurityAlgorithms.RsaSha256, issuer.AbsoluteUri, audience);
    }

    /// <summary>A well-formed logout token ending session <paramref name="sid"/>; <paramref name="change"/> alters the claims.</summary>
    public string Create(string sid, string sub, Action<Dictionary<string, object>>? change = null, string type = "logout+jwt",
        SigningCredentials? signWith = null)
    {
        var claims = Claims(sid, sub);
        change?.Invoke(claims);
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            TokenType = type,
            SigningCredentials = signWith ?? new SigningCredentials(new RsaSecurityKey(issuerKey) { KeyId = kid }, algorithm),
        });
    }

    /// <summary>The "alg": "none" attack (RFC 8725 2.1): no signature at all.</summary>
    public string Unsigned(string sid, string sub) =>
        Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { alg = "none", typ = "logout+jwt" })) + "."
        + Base64UrlEncoder.Encode(JsonSerializer.Serialize(Claims(sid, sub))) + ".";

    /// <summary>Signed by a key the issuer never had, but labelled with the issuer's kid.</summary>
    public string SignedByOtherKeyWithSameKid(string sid, string sub) =>
        Create(sid, sub, signWith: new SigningCredentials(new RsaSecurityKey(RSA.Create(2048)) { KeyId = kid }, algorithm));

    private Dictionary<string, object> Claims(string sid, string sub)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object>
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = now,
            ["exp"] = now + 120,
            ["jti"] = Guid.NewGuid().ToString(),
            ["events"] = new Dictionary<string, object> { [BackChannelLogoutEvent] = new Dictionary<string, object>() },
            ["sub"] = sub,
            ["sid"] = sid,
        };
    }
}
