using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.ResourceIndicators;

/// <summary>The SPA's requests with RFC 8707 resource parameters, as a client sends them (repeated, form-encoded).</summary>
internal static class ResourceRequests
{
    public const string Password = "Str0ng!Password";

    /// <summary>Everything board-spa may ask for: the account API's scope and BoardApi's.</summary>
    public const string SpaScopes = "openid profile roles offline_access account posts.read posts.write";

    /// <summary>A new user signed in at the SPA: the authorization request names <paramref name="authorizeResources"/>.</summary>
    public static async Task<(Browser Browser, string Code, Pkce Pkce)> AuthorizeAsync(IdentityServerFactory server, string scopes,
        params string[] authorizeResources)
    {
        var user = await server.CreateUserAsync(Password);
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, Password);
        var pkce = Pkce.Create();
        var (code, callback) = await OAuth.AuthorizeAsync(browser, AuthorizeUrl(scopes, pkce, authorizeResources));
        Assert.True(code.Length > 0, string.Join(", ", callback));
        return (browser, code, pkce);
    }

    /// <summary>The same, and the code redeemed naming <paramref name="tokenResource"/> (none when null).</summary>
    public static async Task<(Browser Browser, TokenResponse Tokens)> SignInAsync(IdentityServerFactory server, string scopes,
        string? tokenResource = null)
    {
        var (browser, code, pkce) = await AuthorizeAsync(server, scopes);
        var tokens = await RedeemAsync(browser.Client, code, pkce, tokenResource);
        Assert.True(tokens.Status == System.Net.HttpStatusCode.OK, tokens.Body);
        return (browser, tokens);
    }

    public static string AuthorizeUrl(string scopes, Pkce pkce, IEnumerable<string> resources, string clientId = SpaClientId,
        string redirectUri = SpaRedirectUri) =>
        resources.Aggregate(OAuth.AuthorizeUrl(clientId, redirectUri, scopes, pkce),
            (url, resource) => QueryHelpers.AddQueryString(url, "resource", resource));

    public static Task<TokenResponse> RedeemAsync(HttpClient client, string code, Pkce pkce, params string?[] resources) =>
        TokenAsync(client, [("grant_type", "authorization_code"), ("client_id", SpaClientId), ("code", code),
            ("redirect_uri", SpaRedirectUri), ("code_verifier", pkce.Verifier)], resources);

    public static Task<TokenResponse> RefreshAsync(HttpClient client, string refreshToken, params string?[] resources) =>
        TokenAsync(client, [("grant_type", "refresh_token"), ("client_id", SpaClientId), ("refresh_token", refreshToken)], resources);

    public static Task<TokenResponse> ClientCredentialsAsync(HttpClient client, (string Id, string Secret) credentials,
        string scope, params string?[] resources) =>
        TokenAsync(client, [("grant_type", "client_credentials"), ("scope", scope)], resources, credentials);

    /// <summary>A token request with each resource as its own parameter (RFC 8707 2: the parameter may repeat).</summary>
    public static async Task<TokenResponse> TokenAsync(HttpClient client, (string Name, string Value)[] parameters,
        IEnumerable<string?> resources, (string Id, string Secret)? basic = null)
    {
        var form = parameters.Concat(resources.OfType<string>().Select(resource => ("resource", resource)))
            .Select(parameter => new KeyValuePair<string, string>(parameter.Item1, parameter.Item2));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = new FormUrlEncodedContent(form) };
        if (basic is { } credentials)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(credentials.Id)}:{Uri.EscapeDataString(credentials.Secret)}")));
        }

        using var response = await client.SendAsync(request);
        return await TokenResponse.ReadAsync(response);
    }

    public static JsonWebToken Access(TokenResponse tokens) => new(tokens.Get("access_token"));

    /// <summary>In the order <see cref="Audiences"/> and <see cref="Scopes"/> give.</summary>
    public static string[] Sorted(params string[] values) => [.. values.Order(StringComparer.Ordinal)];

    public static string[] Audiences(TokenResponse tokens) => [.. Access(tokens).Audiences.Order(StringComparer.Ordinal)];

    public static string[] Scopes(TokenResponse tokens) =>
        [.. Access(tokens).GetClaim("scope").Value.Split(' ').Order(StringComparer.Ordinal)];

    /// <summary>An error sent to the client's redirect URI (RFC 6749 4.1.2.1), or shown on the server's error page.</summary>
    public static string? ErrorOf(Navigation page) =>
        page.ExternalRedirect is not null ? page.RedirectParameters.GetValueOrDefault("error")
        : page.Document?.QuerySelector("#oauth-error code")?.TextContent;
}
