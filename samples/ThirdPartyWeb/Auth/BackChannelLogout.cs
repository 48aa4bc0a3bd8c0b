using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace AcmePlanner.Auth;

/// <summary>
/// OpenID Connect Back-Channel Logout 1.0, the client's side, which ASP.NET Core's OpenID Connect handler lacks: the
/// Board posts a logout token when the user's session there ends, and the planner's session with the same sid ends
/// too. The session lives in a cookie in the user's browser, out of reach, so the ended sid is remembered here and the
/// cookie is refused on its next request.
/// </summary>
public static class BackChannelLogout
{
    /// <summary>The backchannel_logout_uri registered for this client, on this app's origin.</summary>
    public const string Path = "/backchannel-logout";

    public static WebApplicationBuilder AddBackChannelLogout(this WebApplicationBuilder builder)
    {
        // In memory: one instance. Several instances register a shared cache instead (AddStackExchangeRedisCache),
        // or a logout received by one would not end the session at the others.
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddSingleton<LogoutTokenValidator>();
        builder.Services.AddOptions<CookieAuthenticationOptions>(BoardSignIn.CookieScheme)
            .Configure(options => options.Events.OnValidatePrincipal = RejectEndedSessionAsync);
        return builder;
    }

    public static IEndpointRouteBuilder MapBackChannelLogout(this IEndpointRouteBuilder endpoints)
    {
        // Server to server: no cookie and no antiforgery token; the signed logout token is the only credential.
        endpoints.MapPost(Path, ReceiveAsync);
        return endpoints;
    }

    internal static string EndedSessionKey(string sid) => "acme-planner:ended-session:" + sid;

    internal static string SeenTokenKey(string jti) => "acme-planner:logout-token:" + jti;

    private static async Task<Results<Ok, BadRequest<LogoutError>>> ReceiveAsync(HttpRequest request,
        LogoutTokenValidator validator, IDistributedCache cache, IOptionsMonitor<CookieAuthenticationOptions> cookies,
        ILoggerFactory loggers)
    {
        // Section 2.8: neither answer is to be cached.
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        var logger = loggers.CreateLogger(typeof(BackChannelLogout));
        // Section 2.5: the token comes as the form field logout_token.
        var token = request.HasFormContentType ? (await request.ReadFormAsync())["logout_token"].ToString() : "";
        var (sid, refusal) = token.Length == 0
            ? (null, "expected a form-encoded logout_token")
            : await validator.ValidateAsync(token);
        if (sid is null)
        {
            logger.LogWarning("Refused a back-channel logout: {Reason}", refusal);
            return TypedResults.BadRequest(new LogoutError("invalid_request", refusal!));
        }

        // Kept as long as a cookie issued before now can still be presented: its lifetime, renewed by use only.
        var lifetime = cookies.Get(BoardSignIn.CookieScheme).ExpireTimeSpan;
        await cache.SetAsync(EndedSessionKey(sid), [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime });
        logger.LogInformation("Back-channel logout: session {Sid} ended", sid);
        return TypedResults.Ok();
    }

    // Every request with the cookie: a session the Board ended is signed out here, and the user asked to sign in again.
    private static async Task RejectEndedSessionAsync(CookieValidatePrincipalContext context)
    {
        var cache = context.HttpContext.RequestServices.GetRequiredService<IDistributedCache>();
        if (context.Principal?.FindFirst("sid")?.Value is { } sid && await cache.GetAsync(EndedSessionKey(sid)) is not null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(BoardSignIn.CookieScheme);
        }
    }

    /// <summary>Section 2.8's error answer.</summary>
    public sealed record LogoutError(
        [property: JsonPropertyName("error")] string Error,
        [property: JsonPropertyName("error_description")] string Description);
}
