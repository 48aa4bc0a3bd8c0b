using System.Net;
using System.Text;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>/auth bodies are small, declared or not: a chunked body (no Content-Length) is cut off at the same size.</summary>
public sealed class AuthBodyLimitTests : IAsyncLifetime
{
    // On a real socket: the body size limit is Kestrel's, which the in-memory test server does not have.
    private readonly IdentityServerFactory _server = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort());

    public Task InitializeAsync() => _server.InitializeAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/auth/register")]
    [InlineData("/auth/login")]
    public async Task Body_OverLimitWithOrWithoutLength_PayloadTooLarge(string path)
    {
        var json = $"{{\"email\":\"{new string('a', 100_000)}@example.test\",\"password\":\"x\"}}";

        var declared = await _server.CreateApiClient().PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var chunked = await _server.CreateApiClient().PostAsync(path, new ChunkedJson(json));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal("application/problem+json", chunked.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Login_OverlongFields_BadRequestNamingThem()
    {
        var response = await AuthApiClient.LoginAsync(_server.CreateApiClient(), new string('a', 300) + "@example.test", new string('p', 300));

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(["email", "password"], AuthApiClient.FieldsInError(response));
    }

    /// <summary>JSON without a Content-Length, so HttpClient sends it chunked.</summary>
    private sealed class ChunkedJson : HttpContent
    {
        private readonly byte[] _body;

        public ChunkedJson(string json)
        {
            _body = Encoding.UTF8.GetBytes(json);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            stream.WriteAsync(_body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
