using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace RedisJwt.Testing;

public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce Create()
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return new Pkce(verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }
}

public sealed record TokenResponse(HttpStatusCode Status, JsonElement Json)
{
    public HttpResponseHeaders? Headers { get; init; }

    public string? ContentType { get; init; }

    public string Body { get; init; } = "";

    public static async Task<TokenResponse> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return new TokenResponse(response.StatusCode, body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone())
        {
            Headers = response.Headers,
            ContentType = response.Content.Headers.ContentType?.MediaType,
            Body = body,
        };
    }

    public string? Error => Json.TryGetProperty("error", out var error) ? error.GetString() : null;

    public string Get(string name) => Json.TryGetProperty(name, out var value)
        ? value.GetString()!
        : throw new InvalidOperationException($"No '{name}' in {Json}");
}

/// <summary>Builds OAuth requests the way a client application does.</summary>
public static class OAuth
{
    public static string AuthorizeUrl(string clientId, string redirectUri, string scope, Pkce? pkce,
        string state = "state-123", string? nonce = "nonce-456", string codeChallengeMethod = "S256",
        params (string Name, string Value)[] extra)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = state,
        };
        if (nonce is not null)
        {
            parameters["nonce"] = nonce;
        }

        if (pkce is not null)
        {
            parameters["code_challenge"] = pkce.Challenge;
            parameters["code_challenge_method"] = codeChallengeMethod;
        }

        foreach (var (name, value) in extra)
        {
            parameters[name] = value;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", parameters);
    }

    /// <summary>RP-initiated logout (OIDC RP-Initiated Logout 1.0) with state "bye".</summary>
    public static string EndSessionUrl(string clientId, string postLogoutRedirectUri, string? idTokenHint = null) =>
        QueryHelpers.AddQueryString("/connect/logout", new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["post_logout_redirect_uri"] = postLogoutRedirectUri,
            ["state"] = "bye",
            ["id_token_hint"] = idTokenHint,
        }.Where(p => p.Value is not null));

    public static async Task<TokenResponse> PostAsync(HttpClient client, string path,
        IDictionary<string, string> form, (string Id, string Secret)? basic = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        if (basic is { } credentials)
        {
            // RFC 6749 2.3.1: form-urlencode id and secret before base64.
            var raw = $"{Uri.EscapeDataString(credentials.Id)}:{Uri.EscapeDataString(credentials.Secret)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)));
        }

        using var response = await client.SendAsync(request);
        return await TokenResponse.ReadAsync(response);
    }

    public static Task<TokenResponse> RedeemCodeAsync(HttpClient client, string clientId, string redirectUri, string code,
        string? verifier, string? secret = null)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
        };
        if (verifier is not null)
        {
            form["code_verifier"] = verifier;
        }

        return secret is null
            ? PostAsync(client, "/connect/token", form.Append(new("client_id", clientId)).ToDictionary())
            : PostAsync(client, "/connect/token", form, (clientId, secret));
    }

    public static Task<TokenResponse> RefreshAsync(HttpClient client, string clientId, string refreshToken) =>
        PostAsync(client, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = clientId,
        });

    /// <summary>A client_credentials access token for the third-party demo client.</summary>
    public static async Task<string> ClientCredentialsAsync(HttpClient client, string scope)
    {
        var response = await PostAsync(client, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = scope,
        }, (IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        return response.Get("access_token");
    }

    /// <summary>RFC 7009 revocation by the third-party demo client (for the tokens issued to it).</summary>
    public static Task<TokenResponse> RevokeAsThirdPartyAsync(HttpClient client, string token) =>
        PostAsync(client, "/connect/revoke", new Dictionary<string, string> { ["token"] = token },
            (IdentityServerFactory.ThirdPartyClientId, IdentityServerFactory.ThirdPartySecret));

    /// <summary>RFC 7009 revocation by the public SPA client (identified by client_id alone).</summary>
    public static Task<TokenResponse> RevokeAsSpaAsync(HttpClient client, string token) =>
        PostAsync(client, "/connect/revoke", new Dictionary<string, string>
        {
            ["token"] = token,
            ["client_id"] = IdentityServerFactory.SpaClientId,
        });

    public static Task<TokenResponse> IntrospectAsync(HttpClient client, string token) =>
        PostAsync(client, "/connect/introspect", new Dictionary<string, string> { ["token"] = token },
            (IdentityServerFactory.BoardApiClientId, IdentityServerFactory.BoardApiSecret));

    /// <summary>Validates a JWT the way an independent resource server does: keys from the JWKS endpoint only.</summary>
    public static async Task<JsonWebToken> ValidateJwtAsync(HttpClient client, string token, string audience, string type,
        string algorithm = SecurityAlgorithms.RsaSha256)
    {
        var jwks = new JsonWebKeySet(await client.GetStringAsync("/.well-known/jwks"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = client.BaseAddress!.AbsoluteUri,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidTypes = [type],
            ValidAlgorithms = [algorithm],
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.Zero,
        });
        Assert.True(result.IsValid, $"JWT did not validate: {result.Exception}");
        return (JsonWebToken)result.SecurityToken;
    }

    /// <summary>Signs in through the login form, then runs the authorization request to the client's callback.</summary>
    public static async Task<(string Code, Dictionary<string, string> Callback)> AuthorizeAsync(Browser browser,
        string authorizeUrl, bool acceptConsent = true)
    {
        var page = await browser.NavigateAsync(authorizeUrl);
        if (page.ExternalRedirect is null && page.Document?.QuerySelector("form[action='/connect/authorize']") is not null)
        {
            page = await browser.SubmitAsync(page, "form[action='/connect/authorize']",
                submitter: ("consent_decision", acceptConsent ? "accept" : "deny"));
        }

        var callback = page.RedirectParameters;
        return (callback.GetValueOrDefault("code") ?? "", callback);
    }

    public static async Task SignInAsync(Browser browser, string email, string password)
    {
        var page = await SubmitLoginAsync(browser, email, password);
        Assert.True(page.Document?.QuerySelector("form input[name='Input.Password']") is null,
            $"Sign-in as {email} failed: {page.Body}");
    }

    public static async Task<Navigation> SubmitLoginAsync(Browser browser, string email, string password)
    {
        var login = await browser.NavigateAsync("/Account/Login");
        return await browser.SubmitAsync(login, "form", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
    }
}
