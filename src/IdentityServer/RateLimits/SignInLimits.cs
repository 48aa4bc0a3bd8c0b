using RedisJwt.Revocation.RateLimiting;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>The checks every way of signing in or registering makes before any password is hashed.</summary>
public sealed class SignInLimits(DistributedRateLimiter limiter)
{
    /// <returns>The refusal, or null when the attempt may go ahead.</returns>
    public async Task<RateLimitDecision?> CheckSignInAsync(HttpContext context, string email)
    {
        // Per IP first: a spray across many accounts from one address is stopped without touching their buckets.
        if (IdentityRateLimits.ClientIp(context) is { } ip
            && await limiter.AcquireAsync(IdentityRateLimits.SignInPerIp, ip, context.RequestAborted) is { Allowed: false } byIp)
        {
            return byIp;
        }

        // Emails compare case-insensitively (as Identity normalizes them), so one account is one bucket.
        var account = email.Trim().ToUpperInvariant();
        var byAccount = await limiter.AcquireAsync(IdentityRateLimits.SignInPerAccount, account, context.RequestAborted);
        return byAccount.Allowed ? null : byAccount;
    }

    public async Task<RateLimitDecision?> CheckRegistrationAsync(HttpContext context)
    {
        if (IdentityRateLimits.ClientIp(context) is not { } ip)
        {
            return null;
        }

        var decision = await limiter.AcquireAsync(IdentityRateLimits.RegistrationsPerIp, ip, context.RequestAborted);
        return decision.Allowed ? null : decision;
    }
}
