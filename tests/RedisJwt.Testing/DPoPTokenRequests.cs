using System.Text;
using System.Text.Json;

namespace RedisJwt.Testing;

/// <summary>Token requests with a DPoP proof (RFC 9449 5), as a client library makes them, nonce round trip included.</summary>
public static class DPoPTokenRequests
{
    /// <summary>One token request with a proof made by <paramref name="key"/> (null: no proof) carrying <paramref name="nonce"/>.</summary>
    public static async Task<TokenResponse> PostAsync(IdentityServerFactory server, IDictionary<string, string> form,
        DPoPKey? key, string? nonce, (string Id, string Secret)? basic = null, string? proof = null)
    {
        var client = server.CreateApiClient();
        proof ??= key?.Proof("POST", TokenEndpoint(server), nonce: nonce);
        if (proof is not null)
        {
            client.DefaultRequestHeaders.Add("DPoP", proof);
        }

        return await OAuth.PostAsync(client, "/connect/token", form, basic);
    }

    /// <summary>The first request is told to use the server's nonce (RFC 9449 8); the second, with it, gets tokens.</summary>
    public static async Task<TokenResponse> WithNonceAsync(IdentityServerFactory server, IDictionary<string, string> form,
        DPoPKey key, (string Id, string Secret)? basic = null)
    {
        var challenge = await PostAsync(server, form, key, nonce: null, basic);
        Assert.Equal("use_dpop_nonce", challenge.Error);
        return await PostAsync(server, form, key, NonceOf(challenge), basic);
    }

    public static string NonceOf(TokenResponse response) =>
        Assert.Single(response.Headers!.GetValues("DPoP-Nonce"));

    public static string TokenEndpoint(IdentityServerFactory server) => new Uri(server.Issuer, "connect/token").ToString();

    /// <summary>The access token's cnf.jkt (RFC 9449 6.1), or null when it has no cnf.</summary>
    public static string? BoundKeyOf(string accessToken)
    {
        var payload = accessToken.Split('.')[1];
        using var claims = JsonDocument.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(payload)));
        return claims.RootElement.TryGetProperty("cnf", out var cnf) ? cnf.GetProperty("jkt").GetString() : null;
    }
}
