using System.Globalization;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.Revocation.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>
/// Limits token requests: a password grant per account and IP like any sign-in, before OpenIddict hashes anything;
/// every request per client, once OpenIddict has authenticated the client (counting what anyone claims to be a
/// client_id would let anyone use up that client's allowance). A refusal at the token endpoint is an OAuth error
/// (RFC 6749 5.2): 429 with Retry-After and <c>temporarily_unavailable</c>, the registry's code for "cannot handle
/// the request now"; at /auth/login and /auth/refresh it is problem details.
/// </summary>
public static class TokenRequestLimits
{
    /// <summary>After the /auth translation (which makes its requests token requests), before authentication.</summary>
    public static IApplicationBuilder UseTokenRequestLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || request.Path != "/" + OpenIddictSetup.TokenPath
            || request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            await next(context);
            return;
        }

        IFormCollection form;
        try
        {
            // Buffered by ASP.NET Core: OpenIddict reads this same form afterwards.
            form = await request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception exception) when (exception is InvalidDataException or BadHttpRequestException)
        {
            await WriteOAuthErrorAsync(context, StatusCodes.Status400BadRequest, Errors.InvalidRequest, "The request body is not a valid form.");
            return;
        }

        if (form[Parameters.GrantType] == GrantTypes.Password
            && await context.RequestServices.GetRequiredService<SignInLimits>()
                .CheckSignInAsync(context, form[Parameters.Username].ToString()) is { } refused)
        {
            if (AuthTokenRequests.IsTranslated(context))
            {
                await RateLimitResults.Refused(refused).ExecuteAsync(context);
            }
            else
            {
                RateLimitResults.SetRetryAfter(context.Response, refused);
                await WriteOAuthErrorAsync(context,
                    refused.RedisUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests,
                    Errors.TemporarilyUnavailable, Describe(refused));
            }

            return;
        }

        await next(context);
    });

    private static readonly object RefusedKey = new();

    /// <summary>
    /// The per-client limit, for the token endpoint once OpenIddict has authenticated the client. A confidential
    /// client (it presented a secret) is one caller wherever it runs; a public client (a SPA, the first-party app) is
    /// every one of its users, so it is counted per IP address too.
    /// </summary>
    /// <returns>The refusal (also remembered for <see cref="RefusalOf"/>), or null.</returns>
    public static async Task<RateLimitDecision?> CheckClientAsync(HttpContext context, string clientId, bool confidential)
    {
        var partition = confidential ? clientId : $"{clientId}|{IdentityRateLimits.ClientIp(context)}";
        var decision = await context.RequestServices.GetRequiredService<DistributedRateLimiter>()
            .AcquireAsync(IdentityRateLimits.TokenRequestsPerClient, partition, context.RequestAborted);
        if (decision.Allowed)
        {
            return null;
        }

        context.Items[RefusedKey] = decision;
        return decision;
    }

    /// <summary>The per-client refusal this request got, so its answer can be a 429 with the right Retry-After.</summary>
    public static RateLimitDecision? RefusalOf(HttpContext context) => context.Items[RefusedKey] as RateLimitDecision;

    public static string Describe(RateLimitDecision refused) => refused.RedisUnavailable
        ? "Requests cannot be counted right now; retry shortly."
        : $"Too many requests; retry in {refused.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture)} seconds.";

    private static Task WriteOAuthErrorAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        return context.Response.WriteAsJsonAsync(new Dictionary<string, string>
        {
            [Parameters.Error] = error,
            [Parameters.ErrorDescription] = description,
        });
    }
}
