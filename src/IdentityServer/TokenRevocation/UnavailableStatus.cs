using Microsoft.AspNetCore;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using RedisJwt.ServiceDefaults.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.TokenRevocation;

/// <summary>
/// temporarily_unavailable (Redis cannot record a revocation or check a session) is answered 503 with Retry-After,
/// or 429 when it is a rate limit,
/// as RFC 7009 2.2.1 describes, rather than OpenIddict's 400: the client should retry, not give up.
/// </summary>
public sealed class UnavailableStatus<TContext> : IOpenIddictServerHandler<TContext> where TContext : BaseRequestContext
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<UnavailableStatus<TContext>>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.AttachHttpResponseCode<TContext>.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(TContext context)
    {
        if (context.Transaction.Response?.Error is Errors.TemporarilyUnavailable
            && context.Transaction.GetHttpRequest()?.HttpContext is { } http)
        {
            // Over a rate limit: 429 until the next permit (RFC 6585 4). Otherwise a dependency is down: 503.
            if (http.Features.Get<IRateLimitRefusalFeature>()?.Refusal is { RedisUnavailable: false } refused)
            {
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                RateLimitResults.SetRetryAfter(http.Response, refused);
            }
            else
            {
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                http.Response.Headers.RetryAfter = RedisJwt.ServiceDefaults.Hosting.Unavailable.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return default;
    }
}
