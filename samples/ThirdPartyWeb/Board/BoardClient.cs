using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc;

namespace AcmePlanner.Board;

/// <summary>A post as BoardApi returns it (the fields this app shows).</summary>
public sealed record BoardPost(Guid Id, string Title, string Content, string AuthorName, DateTimeOffset CreatedAt);

/// <summary>One page of posts, newest first.</summary>
public sealed record BoardPostPage(IReadOnlyList<BoardPost> Items);

/// <summary>BoardApi's answer: the value, or why not (its problem details, field errors keyed by JSON name).</summary>
public sealed record BoardAnswer<T>(T? Value, HttpStatusCode Status, string? Problem = null,
    IDictionary<string, string[]>? Errors = null)
{
    /// <summary>401: the token is no longer accepted (revoked, or the user signed out everywhere).</summary>
    public bool ConnectionEnded => Status == HttpStatusCode.Unauthorized;
}

/// <summary>BoardApi on behalf of the signed-in user, with their access token (BoardApi:BaseUrl).</summary>
public sealed class BoardClient(HttpClient http)
{
    public const int TitleMaxLength = 200;
    public const int ContentMaxLength = 20_000;

    public async Task<BoardAnswer<IReadOnlyList<BoardPost>>> LatestAsync(string accessToken, int count, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"posts?limit={count}", accessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode
            ? new(await Read<BoardPostPage>(response, cancellationToken) is { } page ? page.Items : [], response.StatusCode)
            : await FailureAsync<IReadOnlyList<BoardPost>>(response, cancellationToken);
    }

    public async Task<BoardAnswer<BoardPost>> CreateAsync(string accessToken, string title, string content, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, "posts", accessToken);
        request.Content = JsonContent.Create(new { title, content });
        using var response = await http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode
            ? new(await Read<BoardPost>(response, cancellationToken), response.StatusCode)
            : await FailureAsync<BoardPost>(response, cancellationToken);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string accessToken) =>
        new(method, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", accessToken) } };

    private static Task<T?> Read<T>(HttpResponseMessage response, CancellationToken cancellationToken) =>
        response.Content.ReadFromJsonAsync<T>(cancellationToken);

    private static async Task<BoardAnswer<T>> FailureAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // RFC 9457 problem details; a 401 from the token check may come without a body.
        HttpValidationProblemDetails? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            problem = await response.Content.ReadFromJsonAsync<HttpValidationProblemDetails>(cancellationToken);
        }

        var message = problem?.Detail ?? problem?.Title ?? $"The Board answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        return new(default, response.StatusCode, message, problem?.Errors);
    }
}
