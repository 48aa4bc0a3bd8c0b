using System.Net;

namespace RedisJwt.Testing;

public static class LoopbackHttp
{
    /// <summary>
    /// A client of a server on a real socket that shows every redirect rather than following it (tests assert on
    /// them). Clients sharing <paramref name="cookies"/> are one user agent; cookies ignore ports.
    /// </summary>
    public static HttpClient Client(Uri baseAddress, CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
        })
        {
            BaseAddress = baseAddress,
        };
}
