using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace RedisJwt.Testing;

/// <summary>Calls the IdentityServer's JSON /auth API the way a first-party app does.</summary>
public static class AuthApiClient
{
    public const string ClientId = "board-app";

    public static async Task<TokenResponse> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null,
        string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await client.SendAsync(request);
        return await TokenResponse.ReadAsync(response);
    }

    public static Task<TokenResponse> LoginAsync(HttpClient client, string email, string password) =>
        SendAsync(client, HttpMethod.Post, "/auth/login", new { email, password });

    /// <summary>Signs in and asserts it worked.</summary>
    public static async Task<(string AccessToken, string RefreshToken)> SignInAsync(HttpClient client, string email, string password)
    {
        var response = await LoginAsync(client, email, password);
        Assert.True(response.Status == HttpStatusCode.OK, $"/auth/login: {(int)response.Status} {response.Body}");
        return (response.Get("access_token"), response.Get("refresh_token"));
    }

    public static Task<TokenResponse> RefreshAsync(HttpClient client, string refreshToken) =>
        SendAsync(client, HttpMethod.Post, "/auth/refresh", new Dictionary<string, string> { ["refresh_token"] = refreshToken });

    public static Task<TokenResponse> MeAsync(HttpClient client, string accessToken) =>
        SendAsync(client, HttpMethod.Get, "/auth/me", bearer: accessToken);

    public static Task<TokenResponse> LogoutAsync(HttpClient client, string accessToken) =>
        SendAsync(client, HttpMethod.Post, "/auth/logout", bearer: accessToken);

    /// <summary>A problem-details field error list, e.g. errors["email"].</summary>
    public static IReadOnlyList<string> FieldsInError(TokenResponse problem) =>
        [.. problem.Json.GetProperty("errors").EnumerateObject().Select(field => field.Name).Order()];
}
