using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.ServiceDefaults.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>
/// The limits of the token endpoint, taken in its handler: OpenIddict has authenticated the client by then (counting
/// whatever a caller claims to be a client_id would let anyone use up that client's allowance), and the password
/// grant has not hashed anything yet. A refusal is an OAuth error (RFC 6749 5.2), <c>temporarily_unavailable</c>, the
/// registry's code for "cannot handle the request now", answered 429 with Retry-After (<see cref="OAuthRefusals"/>);
/// /auth/login and /auth/refresh turn it into problem details like any error.
/// </summary>
public static class TokenRequestLimits
{
    /// <summary>
    /// Per client. A confidential client (it presented a secret or an assertion) is one caller wherever it runs; a public client (a
    /// SPA, the first-party app) is every one of its users, so it is counted per IP address too.
    /// </summary>
    /// <returns>The refusal to answer with, or null.</returns>
    public static async Task<IResult?> CheckClientAsync(HttpContext context, OpenIddictRequest request)
    {
        var decision = await context.RequestServices.GetRequiredService<DistributedRateLimiter>()
            .AcquireAsync(IdentityRateLimits.TokenRequestsPerClient, PartitionOf(context, request.ClientId!, IsAuthenticated(request)),
                context.RequestAborted);
        return decision.Allowed ? null : Refuse(context, decision);
    }

    /// <summary>Per account and IP, like every sign-in, before any password is hashed.</summary>
    public static async Task<IResult?> CheckSignInAsync(HttpContext context, string username) =>
        await context.RequestServices.GetRequiredService<SignInLimits>().CheckSignInAsync(context, username) is { } refused
            ? Refuse(context, refused)
            : null;

    /// <summary>
    /// A client's partition for per-client limits: a confidential client (it authenticated with a secret or its key) is
    /// one caller wherever it runs; a public client is every one of its users, so it is counted per IP address too.
    /// </summary>
    public static string PartitionOf(HttpContext context, string clientId, bool authenticated) =>
        authenticated ? clientId : $"{clientId}|{IdentityRateLimits.ClientIp(context)}";

    /// <summary>Called once OpenIddict has authenticated the client: it presented a secret or an assertion (RFC 7523).</summary>
    public static bool IsAuthenticated(OpenIddictRequest request) =>
        !string.IsNullOrEmpty(request.ClientSecret) || !string.IsNullOrEmpty(request.ClientAssertion);

    private static IResult Refuse(HttpContext context, RateLimitDecision refused)
    {
        OAuthRefusals.Remember(context, refused);
        return OAuthErrors.Forbid(Errors.TemporarilyUnavailable, OAuthRefusals.Describe(refused));
    }
}
