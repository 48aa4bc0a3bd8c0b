using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RedisJwt.BoardApi.Posts;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Testing;
using RedisJwt.Testing.Fuzzing;
using Xunit.Abstractions;
using static RedisJwt.Testing.Fuzzing.FuzzValues;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// Malformed requests (see <see cref="Malformations"/>) at every endpoint of a real BoardApi on a loopback socket, with
/// a real user's token from a real IdentityServer: never a 5xx, never an error in the server's log.
/// </summary>
public sealed class MalformedInputFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly LogCapture _logs = new();
    private IdentityServerFactory _identity = null!;
    private BoardApiFactory _board = null!;
    private Uri _boardAddress = null!;
    private SignedInUser _user = null!;
    private PostResponse _read = null!;
    private PostResponse _edited = null!;
    private PostResponse _deleted = null!;
    private string _cursor = "";

    /// <summary>Every endpoint, with a request it would accept for the fuzzer to break. Add new endpoints here.</summary>
    private IEnumerable<FuzzTarget> Endpoints() =>
    [
        new("GET", "/posts") { Headers = Bearer, Query = Fields(("limit", "1"), ("cursor", _cursor), ("author", _user.Id)) },
        new("GET", "/posts/{id}") { Headers = Bearer, Route = Fields(("id", _read.Id.ToString())) },
        new("POST", "/posts") { Headers = Bearer, Json = Json(("title", "Fuzz Zoë 😀"), ("content", "Line one\r\n\tLine two 😀")) },
        new("PUT", "/posts/{id}") { Headers = Bearer, Route = Fields(("id", _edited.Id.ToString())),
            Json = Json(("title", "Fuzz Zoë 😀"), ("content", "Edited"), ("version", _edited.Version)) },
        new("DELETE", "/posts/{id}") { Headers = Bearer, Route = Fields(("id", _deleted.Id.ToString())) },
        new("GET", "/health/live"),
        new("GET", "/health/ready"),
    ];

    [Fact]
    public async Task EveryEndpoint_MalformedRequests_NoServerErrorAndNothingLogged()
    {
        var report = await Fuzzer.RunAsync(_boardAddress, Endpoints(), _logs);
        output.WriteLine(report.Summary());
        report.AssertNoServerErrors();
    }

    public async Task InitializeAsync()
    {
        _identity = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort());
        await _identity.InitializeAsync();
        _board = new BoardApiFactory(_identity.Issuer, redisPrefix: _identity.RedisPrefix)
        {
            TestServices = services => services.AddSingleton<ILoggerProvider>(_logs),
        };
        var port = IdentityServerFactory.FreeLoopbackPort();
        _board.UseKestrel(port);
        _board.StartServer();
        _boardAddress = new Uri($"http://127.0.0.1:{port}/");

        _user = await Tokens.SignInNewUserAsync(_identity, Tokens.UserScopes);
        var posts = new PostsClient(LoopbackHttp.Client(_boardAddress));
        posts.Http.DefaultRequestHeaders.Authorization = new("Bearer", _user.AccessToken);
        _read = await posts.CreateAsync();
        _edited = await posts.CreateAsync();
        _deleted = await posts.CreateAsync();
        _cursor = (await posts.Http.GetFromJsonAsync<PostPage>("/posts?limit=1"))!.NextCursor!;
    }

    public async Task DisposeAsync()
    {
        await _board.DisposeAsync();
        await _identity.DisposeAsync();
    }

    private IReadOnlyDictionary<string, string> Bearer => Fields(("Authorization", $"Bearer {_user.AccessToken}"));
}
