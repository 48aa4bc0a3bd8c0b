using System.Net;
using System.Net.Http.Json;
using RedisJwt.BoardApi.Posts;

namespace RedisJwt.BoardApi.Tests.Infrastructure;

/// <summary>Calls the Posts API as one caller, the way an app does: JSON over HTTP with a bearer token.</summary>
public sealed class PostsClient(HttpClient http)
{
    public HttpClient Http => http;

    public static PostsClient For(BoardApiFactory board, string accessToken) => new(board.CreateClient(accessToken));

    public Task<HttpResponseMessage> CreateRawAsync(object body) => http.PostAsJsonAsync("/posts", body);

    public async Task<PostResponse> CreateAsync(string title = "A title", string content = "Some content")
    {
        var response = await CreateRawAsync(new { title, content });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PostResponse>())!;
    }

    public Task<HttpResponseMessage> GetRawAsync(Guid id) => http.GetAsync($"/posts/{id}");

    public async Task<PostResponse> GetAsync(Guid id)
    {
        var response = await GetRawAsync(id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PostResponse>())!;
    }

    public Task<HttpResponseMessage> UpdateRawAsync(Guid id, object body) => http.PutAsJsonAsync($"/posts/{id}", body);

    public Task<HttpResponseMessage> DeleteRawAsync(Guid id) => http.DeleteAsync($"/posts/{id}");

    public async Task<PostPage> ListAsync(string query = "")
    {
        var response = await http.GetAsync($"/posts{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PostPage>())!;
    }
}
