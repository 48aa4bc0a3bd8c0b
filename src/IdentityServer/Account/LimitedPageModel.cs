using Microsoft.AspNetCore.Mvc.RazorPages;
using RedisJwt.IdentityServer.Account.SignIn;
using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.Account;

/// <summary>How a page answers a rate limit's refusal: 429 (503 while Redis cannot count) with Retry-After, and a message.</summary>
public static class PageRefusals
{
    /// <returns>The message to show.</returns>
    public static string Refuse(HttpResponse response, RateLimitDecision refused)
    {
        RateLimitResults.SetRetryAfter(response, refused);
        response.StatusCode = refused.RedisUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
        return refused.RedisUnavailable ? LoginModel.UnavailableMessage : LoginModel.TooManyMessage(refused);
    }
}

/// <summary>A page whose posts may send an email or spend a link: counted per client IP (account-emails-per-ip).</summary>
public abstract class LimitedPageModel(SignInLimits limits) : PageModel
{
    public string? Error { get; protected set; }

    /// <returns>False, with the page's status and <see cref="Error"/> set, when the form is invalid or over the limit.</returns>
    protected async Task<bool> MayGoAheadAsync()
    {
        if (!ModelState.IsValid)
        {
            return false;
        }

        if (await limits.CheckAccountEmailAsync(HttpContext) is { } refused)
        {
            Error = PageRefusals.Refuse(Response, refused);
            return false;
        }

        return true;
    }
}
