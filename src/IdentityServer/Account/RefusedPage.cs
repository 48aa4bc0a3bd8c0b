using Microsoft.AspNetCore.Http;
using RedisJwt.Revocation.RateLimiting;

namespace RedisJwt.IdentityServer.Account;

/// <summary>A page request over its rate limit: 429 (503 when the limit cannot be counted), Retry-After, and the message to show.</summary>
public static class RefusedPage
{
    public static string Answer(HttpResponse response, RateLimitDecision refused)
    {
        RateLimitResults.SetRetryAfter(response, refused);
        response.StatusCode = refused.RedisUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
        return refused.RedisUnavailable ? LoginModel.UnavailableMessage : LoginModel.TooManyMessage(refused);
    }
}
