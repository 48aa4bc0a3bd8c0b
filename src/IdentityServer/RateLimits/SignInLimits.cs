using Microsoft.AspNetCore.Identity;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>The checks every way of signing in or registering makes before any password is hashed.</summary>
public sealed class SignInLimits(DistributedRateLimiter limiter, ILookupNormalizer normalizer)
{
    /// <returns>The refusal, or null when the attempt may go ahead.</returns>
    public Task<RateLimitDecision?> CheckSignInAsync(HttpContext context, string email) =>
        // Identity's own lookup key, so every spelling that finds one account (case, compatibility forms) is one bucket.
        CheckPerIpThenAsync(context, IdentityRateLimits.SignInPerIp, IdentityRateLimits.SignInPerAccount,
            normalizer.NormalizeEmail(email.Trim())!);

    /// <summary>A device's user code looked up for a signed-in user (RFC 8628 5.1): per IP, then per user.</summary>
    public Task<RateLimitDecision?> CheckUserCodeAsync(HttpContext context, string userId) =>
        CheckPerIpThenAsync(context, IdentityRateLimits.UserCodesPerIp, IdentityRateLimits.UserCodesPerUser, userId);

    // Per IP first: a spray across many accounts from one address is stopped without touching their buckets.
    private async Task<RateLimitDecision?> CheckPerIpThenAsync(HttpContext context, string ipPolicy, string policy, string partition)
    {
        if (IdentityRateLimits.ClientIp(context) is { } ip
            && await limiter.AcquireAsync(ipPolicy, ip, context.RequestAborted) is { Allowed: false } byIp)
        {
            return byIp;
        }

        var decision = await limiter.AcquireAsync(policy, partition, context.RequestAborted);
        return decision.Allowed ? null : decision;
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
