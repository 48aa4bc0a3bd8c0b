using Microsoft.AspNetCore.Identity;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>The checks every way of signing in or registering makes before any password is hashed.</summary>
public sealed class SignInLimits(DistributedRateLimiter limiter, ILookupNormalizer normalizer)
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

        // Identity's own lookup key, so every spelling that finds one account (case, compatibility forms) is one bucket.
        var account = normalizer.NormalizeEmail(email.Trim())!;
        var byAccount = await limiter.AcquireAsync(IdentityRateLimits.SignInPerAccount, account, context.RequestAborted);
        return byAccount.Allowed ? null : byAccount;
    }

    /// <summary>A passkey sign-in, which names no account until its signature is checked: per IP.</summary>
    public Task<RateLimitDecision?> CheckPasskeySignInAsync(HttpContext context) =>
        CheckPerIpAsync(context, IdentityRateLimits.SignInPerIp);

    public Task<RateLimitDecision?> CheckRegistrationAsync(HttpContext context) =>
        CheckPerIpAsync(context, IdentityRateLimits.RegistrationsPerIp);

    /// <summary>The account email pages (password reset, verification resend); the /auth endpoints use the same policy.</summary>
    public Task<RateLimitDecision?> CheckAccountEmailAsync(HttpContext context) =>
        CheckPerIpAsync(context, IdentityRateLimits.AccountEmailsPerIp);

    private async Task<RateLimitDecision?> CheckPerIpAsync(HttpContext context, string policy)
    {
        if (IdentityRateLimits.ClientIp(context) is not { } ip)
        {
            return null;
        }

        var decision = await limiter.AcquireAsync(policy, ip, context.RequestAborted);
        return decision.Allowed ? null : decision;
    }
}
